using DeepSharp.Bench.Harness;
using DeepSharp.Kernels.Cpu;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (c) Single Conv2D layers at batch 128: the forward pass alone, and forward + backward as training
/// needs it. Shapes: the seed's (and mnist_convnet's) first layer 28×28×1 → 32
/// with bias (kernel and bias gradients; the first layer's input gradient is never needed);
/// mnist_convnet's second layer 13×13×32 → 64 with bias (input, kernel and bias gradients); and
/// convnet-aug's widest layer 26×26×32 → 32 without bias (input and kernel gradients); and two narrow
/// 'same' layers, 28×28×8 → 8 and 28×28×16 → 16 with bias (the growth chart's widths 8 and 16) — all 3×3
/// stride 1; and the other shapes the layers accept, with bias and input gradient: 3×3 stride 2 'same'
/// (28×28×32 → 64, 14×14×64 → 128; libtorch pads one pixel on each side where Keras's 'same' pads the
/// bottom and right only — the same output size and work) and 1×1 (28×28×32 → 64, 14×14×128 → 128). DeepSharp:
/// Conv2DKernel on NHWC arrays (the kernel-gradient pass sums the bias gradient on the fly);
/// libtorch: functional.conv2d on NCHW, backward through autograd. Each pass gives three rows: the
/// mean wall time per call, the best single call, and the process CPU time per call (all threads),
/// the last two being the ones a shared machine disturbs least (CPU time best with --threads 1).
/// </summary>
internal static class ConvWorkload
{
    private const int Batch = 128;

    /// <summary>A layer: name, input side, input channels, filters, bias, input gradient needed, 'same' padding, kernel side, stride.</summary>
    private sealed record Layer(string Name, string Label, int Size, int InC, int Filters, bool Bias, bool InputGradient, bool Same = false, int K = 3, int Stride = 1)
    {
        public int Out => Same ? (Size + Stride - 1) / Stride : (Size - K) / Stride + 1;
        public double ForwardFlops => 2.0 * Batch * Out * Out * Filters * K * K * InC;
        public double BackwardFlops => ForwardFlops * (InputGradient ? 2 : 1);
    }

    [ThreadStatic] private static double t_cpuPerCall;

    private static readonly Layer[] Layers =
    [
        new("seed", "seed 28x28x1 -> 32", 28, 1, 32, Bias: true, InputGradient: false),
        new("convnet2", "convnet 13x13x32 -> 64", 13, 32, 64, Bias: true, InputGradient: true),
        new("aug2", "convnet-aug 26x26x32 -> 32", 26, 32, 32, Bias: false, InputGradient: true),
        new("narrow8", "narrow 28x28x8 -> 8 same", 28, 8, 8, Bias: true, InputGradient: true, Same: true),
        new("narrow16", "narrow 28x28x16 -> 16 same", 28, 16, 16, Bias: true, InputGradient: true, Same: true),
        new("s2a", "stride 2 28x28x32 -> 64 same", 28, 32, 64, Bias: true, InputGradient: true, Same: true, Stride: 2),
        new("s2b", "stride 2 14x14x64 -> 128 same", 14, 64, 128, Bias: true, InputGradient: true, Same: true, Stride: 2),
        new("pw1", "1x1 28x28x32 -> 64", 28, 32, 64, Bias: true, InputGradient: true, K: 1),
        new("pw2", "1x1 14x14x128 -> 128", 14, 128, 128, Bias: true, InputGradient: true, K: 1),
    ];

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(c) Conv2D layers, batch {Batch}: {o.Reps} timed rounds after 1 warm-up");
        foreach (var layer in Layers.Where(l => o.ConvLayers is null || o.ConvLayers.Contains(l.Name)))
            foreach (var (pass, what) in new[] { ("fwd", "forward"), ("fwdbwd", layer.InputGradient ? "fwd + bwd (dX, dW" : "fwd + bwd (dW") })
            {
                string label = pass == "fwd" ? $"{layer.Label} {what}" : $"{layer.Label} {what}{(layer.Bias ? ", db)" : ")")}";
                var replies = bench.Runner.Alternate(_ => $"conv layer={layer.Name} pass={pass} min={o.MinSeconds}", o.Reps + 1);
                var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3, skipFirst: true);
                var bestMs = bench.PerWorker(replies, r => r.Get("best") * 1e3, skipFirst: true);
                var cpuMs = bench.PerWorker(replies, r => r.Get("cpu") * 1e3, skipFirst: true);
                var gf = bench.PerWorker(replies, r => r.Get("gflops"), skipFirst: true);
                bench.Log($"{label,-48} " + string.Join("  ", bench.Runner.Workers.Select((w, i) =>
                    $"{w.Label} {ms[i].Median:F3} ms ({gf[i].Median:F0} GFLOP/s, {100 * gf[i].Median / bench.PeakGflops:F0} % of peak)")));
                bench.Table.Add(new ResultRow("(c) conv", label, "ms/call", HigherIsBetter: false, ms));
                bench.Roofline.AddGflops("(c) conv " + label, gf);
                bench.Table.Add(new ResultRow("(c) conv", label + ", best call", "ms", HigherIsBetter: false, bestMs));
                bench.Table.Add(new ResultRow("(c) conv", label + ", CPU time", "ms/call", HigherIsBetter: false, cpuMs));
            }
    }

    private static Layer Find(Args a)
    {
        string name = a.Text("layer");
        return Layers.FirstOrDefault(l => l.Name == name) ?? throw new FormatException($"Unknown conv layer '{name}'.");
    }

    public static Reply DeepSharp(Args a)
    {
        var l = Find(a);
        bool backward = a.Text("pass") == "fwdbwd";
        var g = Conv2DGeometry.Create(Batch, l.Size, l.Size, l.InC, l.Filters, l.K, l.K, l.Stride, l.Stride, samePadding: l.Same);
        var rng = new Random(1);
        var x = Filled(g.InputLength, rng);
        var w = Filled(g.KernelLength, rng);
        var b = l.Bias ? Filled(l.Filters, rng) : [];
        var y = new float[g.OutputLength];
        var dy = Filled(g.OutputLength, rng);
        var dx = new float[g.InputLength];
        var dw = new float[g.KernelLength];
        var db = new float[l.Bias ? l.Filters : 0];
        var (seconds, best) = Time(() =>
        {
            Conv2DKernel.Forward(x, w, b, y, g);
            if (!backward) return;
            if (l.InputGradient)
            {
                Array.Clear(dx); // autograd hands the kernel a zeroed gradient
                Conv2DKernel.BackwardInput(dy, w, dx, g);
            }
            Conv2DKernel.BackwardKernelFused(x, dy, [], dw, db, g); // dW and db in one pass over dy
        }, a.Double("min", 0.3));
        return Result(seconds, best, l, backward);
    }

    public static Reply Torch(Args a)
    {
        var l = Find(a);
        bool backward = a.Text("pass") == "fwdbwd";
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(Batch, l.InC, l.Size, l.Size).requires_grad_(backward && l.InputGradient);
        var w = torch.rand(l.Filters, l.InC, l.K, l.K).requires_grad_(true);
        var b = l.Bias ? torch.rand(l.Filters).requires_grad_(true) : null;
        var dy = torch.rand(Batch, l.Filters, l.Out, l.Out);
        long[] padding = l.Same ? [l.K / 2, l.K / 2] : [0, 0];
        long[] stride = [l.Stride, l.Stride];
        var (seconds, best) = Time(() =>
        {
            using var inner = torch.NewDisposeScope();
            if (!backward)
            {
                using var noGrad = torch.no_grad();
                torch.nn.functional.conv2d(x, w, b, stride, padding);
                return;
            }
            var y = torch.nn.functional.conv2d(x, w, b, stride, padding);
            y.backward([dy]);
        }, a.Double("min", 0.3));
        return Result(seconds, best, l, backward);
    }

    private static Reply Result(double seconds, double best, Layer l, bool backward) => new()
    {
        ["seconds"] = seconds,
        ["best"] = best,
        ["cpu"] = t_cpuPerCall, // process CPU seconds per call (all threads): robust to load with one thread
        ["gflops"] = (l.ForwardFlops + (backward ? l.BackwardFlops : 0)) / seconds / 1e9,
    };

    /// <summary>
    /// Mean seconds per call over at least <paramref name="minSeconds"/> (as <see cref="Timing.SecondsPerCall"/>),
    /// and the fastest single call: on a shared machine the best call is the least disturbed by load.
    /// </summary>
    private static (double Mean, double Best) Time(Action op, double minSeconds)
    {
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        double best = double.MaxValue, elapsed;
        int calls = 0;
        do
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            op();
            best = Math.Min(best, System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalSeconds);
            calls++;
            elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        } while (elapsed < minSeconds);
        t_cpuPerCall = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / calls;
        return (elapsed / calls, best);
    }

    private static float[] Filled(int length, Random rng)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}
