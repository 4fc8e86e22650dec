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

    // Each timed round repeats the call for at least this long (about 30 calls at 15 ms), so that one
    // disturbed call moves a round's mean by a few per cent, not by half.
    private const double RoundSeconds = 0.5;
    // Warm-up rounds (each RoundSeconds) at most: until tiered compilation has settled on that worker.
    private const int MaxWarmRounds = 16;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        double seconds = Math.Max(o.MinSeconds, RoundSeconds);
        bench.Section($"(h) LSTM layer forward + backward, batch {Batch}, {Steps} steps, {Features} → {Units}: " +
                      $"warm-up until compilation settles, then {o.Reps} timed rounds of ≥ {seconds} s each");
        void Print(int round, WorkerProcess w, Reply r, string what) => bench.Log($"{what} {round} {w.Label,-16} {CallProfile.Describe(r)}{(r.Note is null ? "" : " | " + r.Note)}");
        var warm = bench.Runner.WarmUntilCompiled($"lstm min={seconds}", MaxWarmRounds, (round, w, r) => Print(round, w, r, "warm-up"));
        bench.Log("warm-up rounds: " + string.Join(", ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {warm[i]}")));
        // The FMA loop after each round tells a machine-wide change of speed (a VM whose two vCPUs
        // come to share one physical core) from a change in one framework.
        var replies = bench.Runner.Alternate(_ => $"lstm min={seconds}", o.Reps, (round, w, r) =>
        {
            Print(round, w, r, "round");
            if (w == bench.Runner.Workers[^1])
                bench.Log($"round {round} machine now: {FmaPeak.Measure(o.Threads, tries: 3, seconds: 0.05).How}; copying 32 MB {CopyGigabytesPerSecond():F1} GB/s");
        });
        var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3);
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {ms[i].Median:F2} ms")));
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward", "ms/call", HigherIsBetter: false, ms,
            Target: "<= 0.7x"));
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward, median call of each round", "ms/call", HigherIsBetter: false,
            bench.PerWorker(replies, r => r.Get("call_med") * 1e3), Target: "<= 0.7x"));
        var cpuMs = bench.PerWorker(replies, r => r.Get("cpu") * 1e3);
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward, process CPU time", "ms/call", HigherIsBetter: false, cpuMs,
            Target: "<= 0.7x", Check: ratio => ratio <= 0.7));
        bench.Roofline.AddSeconds("(h) LSTM layer forward + backward", FlopCount.Training(FlopCount.LstmForward(Batch, Steps, Features, Units)),
            bench.PerWorker(replies, r => r.Get("seconds")));
    }

    private static float[]? s_copyFrom, s_copyTo;

    /// <summary>One thread copying 32 MB (beyond the caches) five times, best rate: tells a machine whose memory got slower (a neighbour) from a slower framework.</summary>
    private static double CopyGigabytesPerSecond()
    {
        var from = s_copyFrom ??= Enumerable.Repeat(1f, 8 << 20).ToArray();
        var to = s_copyTo ??= new float[8 << 20];
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            from.AsSpan().CopyTo(to);
            best = Math.Max(best, 2.0 * from.Length * sizeof(float) / System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalSeconds / 1e9);
        }
        return best;
    }

    private static Lstm? s_layer;
    private static DsTensor? s_x;

    public static Reply DeepSharp(Args a)
    {
        var x = s_x ??= DsTensor.RandomUniform(new DeepSharp.Tensors.Shape(Batch, Steps, Features), -1f, 1f, new DeepSharp.Tensors.RandomGenerator(1));
        var layer = s_layer ??= new Lstm(Units, returnSequences: true);
        x.RequiresGrad = true;
        return CpuTiming.Profile(() =>
        {
            using var scope = DsTensor.Scope();
            foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
            x.Grad?.Span.Clear();
            var loss = global::DeepSharp.Autograd.Ops.Sum(layer.Call(x, training: true));
            global::DeepSharp.Autograd.Backprop.Backward(loss);
        }, a.Double("min", 0.3)).AddTo(new Reply());
    }

    private static TorchSharp.Modules.LSTM? s_torchLayer;
    private static TorchTensor? s_torchX;

    public static Reply Torch(Args a)
    {
        var layer = s_torchLayer ??= nn.LSTM(Features, Units, batchFirst: true);
        var x = s_torchX ??= (rand(Batch, Steps, Features) * 2 - 1).requires_grad_(true);
        return CpuTiming.Profile(() =>
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            x.grad?.zero_();
            var (y, _, _) = layer.forward(x);
            y.sum().backward();
        }, a.Double("min", 0.3)).AddTo(new Reply());
    }
}
