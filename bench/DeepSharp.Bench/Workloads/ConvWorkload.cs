using DeepSharp.Bench.Harness;
using DeepSharp.Kernels.Cpu;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (c) The seed's Conv2D, batch 128, 28×28×1 → 26×26×32, 3×3 valid, with bias: the forward pass
/// alone, and forward + backward as training needs it (kernel and bias gradients; the input
/// gradient of the first layer is never needed). DeepSharp: Conv2DKernel on NHWC arrays (the
/// kernel-gradient pass sums the bias gradient on the fly); libtorch: functional.conv2d on NCHW, backward through autograd.
/// </summary>
internal static class ConvWorkload
{
    private const int Batch = 128, Size = 28, Out = 26, Filters = 32, K = 3;
    private const double ForwardFlops = 2.0 * Batch * Out * Out * Filters * K * K;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(c) seed Conv2D 128x28x28x1 -> 128x26x26x32: {o.Reps} timed rounds after 1 warm-up");
        foreach (var (pass, label) in new[] { ("fwd", "forward"), ("fwdbwd", "forward + backward (dW, db)") })
        {
            var replies = bench.Runner.Alternate(_ => $"conv pass={pass} min={o.MinSeconds}", o.Reps + 1);
            var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3, skipFirst: true);
            bench.Log($"{label,-30} " + string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {ms[i].Median:F2} ms")));
            bench.Table.Add(new ResultRow("(c) conv", label, "ms/call", HigherIsBetter: false, ms));
        }
    }

    public static Reply DeepSharp(Args a)
    {
        bool backward = a.Text("pass") == "fwdbwd";
        var g = Conv2DGeometry.Create(Batch, Size, Size, 1, Filters, K, K, 1, 1, samePadding: false);
        var rng = new Random(1);
        var x = Filled(g.InputLength, rng);
        var w = Filled(g.KernelLength, rng);
        var b = Filled(Filters, rng);
        var y = new float[g.OutputLength];
        var dy = Filled(g.OutputLength, rng);
        var dw = new float[g.KernelLength];
        var db = new float[Filters];
        double seconds = Timing.SecondsPerCall(() =>
        {
            Conv2DKernel.Forward(x, w, b, y, g);
            if (!backward) return;
            Conv2DKernel.BackwardKernelFused(x, dy, [], dw, db, g); // dW and db in one pass over dy
        }, a.Double("min", 0.3));
        return Result(seconds, backward);
    }

    public static Reply Torch(Args a)
    {
        bool backward = a.Text("pass") == "fwdbwd";
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(Batch, 1, Size, Size);
        var w = torch.rand(Filters, 1, K, K).requires_grad_(true);
        var b = torch.rand(Filters).requires_grad_(true);
        var dy = torch.rand(Batch, Filters, Out, Out);
        double seconds = Timing.SecondsPerCall(() =>
        {
            using var inner = torch.NewDisposeScope();
            if (!backward)
            {
                using var noGrad = torch.no_grad();
                torch.nn.functional.conv2d(x, w, b);
                return;
            }
            var y = torch.nn.functional.conv2d(x, w, b);
            y.backward([dy]);
        }, a.Double("min", 0.3));
        return Result(seconds, backward);
    }

    private static Reply Result(double seconds, bool backward) =>
        new() { ["seconds"] = seconds, ["gflops"] = ForwardFlops * (backward ? 2 : 1) / seconds / 1e9 };

    private static float[] Filled(int length, Random rng)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}
