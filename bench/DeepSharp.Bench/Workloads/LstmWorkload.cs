using DeepSharp.Bench.Harness;
using DeepSharp.Nn.Layers;
using TorchSharp;
using static TorchSharp.torch;
using DsTensor = DeepSharp.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (h) One LSTM layer, forward + backward: batch 32, 64 time steps, 128 input features, 256 units,
/// the whole output sequence; the gradient of the sum of the outputs with respect to the weights
/// and the input. DeepSharp: the Lstm layer (fused op: x·W for all steps in one GEMM, then per step
/// h·U and the cell fused per slice of units over the threads, hand-written BPTT, dW and dU in one
/// GEMM); libtorch: nn.LSTM(batch_first) with autograd. Milliseconds per call, wall
/// and process CPU time (the latter is what a shared machine disturbs least, with --threads 1).
/// </summary>
internal static class LstmWorkload
{
    private const int Batch = 32, Steps = 64, Features = 128, Units = 256;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(h) LSTM layer forward + backward, batch {Batch}, {Steps} steps, {Features} → {Units}: {o.Reps} timed rounds after 1 warm-up");
        var replies = bench.Runner.Alternate(_ => $"lstm min={o.MinSeconds}", o.Reps + 1);
        var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3, skipFirst: true);
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {ms[i].Median:F2} ms")));
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward", "ms/call", HigherIsBetter: false, ms,
            Target: "<= 0.7x"));
        var cpuMs = bench.PerWorker(replies, r => r.Get("cpu") * 1e3, skipFirst: true);
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward, process CPU time", "ms/call", HigherIsBetter: false, cpuMs,
            Target: "<= 0.7x", Check: ratio => ratio <= 0.7));
        bench.Roofline.AddSeconds("(h) LSTM layer forward + backward", FlopCount.Training(FlopCount.LstmForward(Batch, Steps, Features, Units)),
            bench.PerWorker(replies, r => r.Get("seconds"), skipFirst: true));
    }

    private static Lstm? s_layer;
    private static DsTensor? s_x;

    public static Reply DeepSharp(Args a)
    {
        var x = s_x ??= DsTensor.RandomUniform(new DeepSharp.Tensors.Shape(Batch, Steps, Features), -1f, 1f, new DeepSharp.Tensors.RandomGenerator(1));
        var layer = s_layer ??= new Lstm(Units, returnSequences: true);
        x.RequiresGrad = true;
        var (seconds, cpu) = CpuTiming.PerCall(() =>
        {
            using var scope = DsTensor.Scope();
            foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
            x.Grad?.Span.Clear();
            var loss = global::DeepSharp.Autograd.Ops.Sum(layer.Call(x, training: true));
            global::DeepSharp.Autograd.Backprop.Backward(loss);
        }, a.Double("min", 0.3));
        return new Reply { ["seconds"] = seconds, ["cpu"] = cpu };
    }

    private static TorchSharp.Modules.LSTM? s_torchLayer;
    private static TorchTensor? s_torchX;

    public static Reply Torch(Args a)
    {
        var layer = s_torchLayer ??= nn.LSTM(Features, Units, batchFirst: true);
        var x = s_torchX ??= (rand(Batch, Steps, Features) * 2 - 1).requires_grad_(true);
        var (seconds, cpu) = CpuTiming.PerCall(() =>
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            x.grad?.zero_();
            var (y, _, _) = layer.forward(x);
            y.sum().backward();
        }, a.Double("min", 0.3));
        return new Reply { ["seconds"] = seconds, ["cpu"] = cpu };
    }
}
