using DeepSharp.Bench.Harness;
using DeepSharp.Kernels.Cpu;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (v) Single Conv3D layers of a small 3-D CNN at batch 8, 'same' 3×3×3 with bias: the first layer
/// 16×32×32×1 → 8, a middle layer 8×16×16×8 → 16 and a strided one 8×16×16×16 → 32 (stride 2); the
/// forward pass alone and forward + backward (input gradient except for the first layer, kernel and
/// bias gradients). DeepSharp: Conv3DKernel on NDHWC arrays (im2col per depth slice + GEMM);
/// libtorch: functional.conv3d on NCDHW, backward through autograd (libtorch pads one voxel on each
/// side where Keras's 'same' pads the far side only when the stride is 2 — the same output size and work).
/// A fourth row is the decoder's mirror of the strided layer, a Conv3DTranspose 4×8×8×32 → 16 with stride 2
/// ('same': 8×16×16): Conv3DTransposeKernel (Conv3D's column blocks with the roles swapped) against
/// functional.conv_transpose3d with padding 1 and output_padding 1 (the same output size and work).
/// </summary>
internal static class Conv3DWorkload
{
    private const int Batch = 8;

    private sealed record Layer(string Name, string Label, int Depth, int Side, int InC, int Filters, bool InputGradient, int Stride = 1,
        bool Transposed = false)
    {
        public int OutDepth => Transposed ? Depth * Stride : (Depth + Stride - 1) / Stride;
        public int OutSide => Transposed ? Side * Stride : (Side + Stride - 1) / Stride;
        /// <summary>Multiply-adds · 2: every output voxel of a convolution reads 27 taps; every input voxel of a transposed one writes 27.</summary>
        public double ForwardFlops => 2.0 * Batch * (Transposed ? Depth * Side * Side : OutDepth * OutSide * OutSide) * Filters * 27 * InC;
        public double BackwardFlops => ForwardFlops * (InputGradient ? 2 : 1);
    }

    [ThreadStatic] private static double t_cpuPerCall;

    private static readonly Layer[] Layers =
    [
        new("first", "16x32x32x1 -> 8", 16, 32, 1, 8, InputGradient: false),
        new("middle", "8x16x16x8 -> 16", 8, 16, 8, 16, InputGradient: true),
        new("strided", "stride 2 8x16x16x16 -> 32", 8, 16, 16, 32, InputGradient: true, Stride: 2),
        new("transposed", "transposed stride 2 4x8x8x32 -> 16", 4, 8, 32, 16, InputGradient: true, Stride: 2, Transposed: true),
    ];

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(v) Conv3D layers, batch {Batch}, 3x3x3 'same' with bias: {o.Reps} timed rounds after 1 warm-up");
        foreach (var layer in Layers)
            foreach (var (pass, what) in new[] { ("fwd", "forward"), ("fwdbwd", layer.InputGradient ? "fwd + bwd (dX, dW, db)" : "fwd + bwd (dW, db)") })
            {
                string label = $"{layer.Label} {what}";
                var replies = bench.Runner.Alternate(_ => $"conv3d layer={layer.Name} pass={pass} min={o.MinSeconds}", o.Reps + 1);
                var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3, skipFirst: true);
                var cpuMs = bench.PerWorker(replies, r => r.Get("cpu") * 1e3, skipFirst: true);
                var gf = bench.PerWorker(replies, r => r.Get("gflops"), skipFirst: true);
                bench.Log($"{label,-48} " + string.Join("  ", bench.Runner.Workers.Select((w, i) =>
                    $"{w.Label} {ms[i].Median:F3} ms ({gf[i].Median:F0} GFLOP/s, {100 * gf[i].Median / bench.PeakGflops:F0} % of peak)")));
                bench.Table.Add(new ResultRow("(v) conv3d", label, "ms/call", HigherIsBetter: false, ms));
                bench.Table.Add(new ResultRow("(v) conv3d", label + ", CPU time", "ms/call", HigherIsBetter: false, cpuMs));
            }
    }

    private static Layer Find(Args a)
    {
        string name = a.Text("layer");
        return Layers.FirstOrDefault(l => l.Name == name) ?? throw new FormatException($"Unknown conv3d layer '{name}'.");
    }

    public static Reply DeepSharp(Args a)
    {
        var l = Find(a);
        bool backward = a.Text("pass") == "fwdbwd";
        if (l.Transposed) return DeepSharpTransposed(l, backward, a.Double("min", 0.3));
        var g = Conv3DGeometry.Create(Batch, (l.Depth, l.Side, l.Side), l.InC, l.Filters, (3, 3, 3), (l.Stride, l.Stride, l.Stride), true, (1, 1, 1));
        var rng = new Random(1);
        var x = Filled(g.InputLength, rng);
        var w = Filled(g.KernelLength, rng);
        var b = Filled(l.Filters, rng);
        var y = new float[g.OutputLength];
        var dy = Filled(g.OutputLength, rng);
        var dx = new float[g.InputLength];
        var dw = new float[g.KernelLength];
        var db = new float[l.Filters];
        double seconds = Time(() =>
        {
            Conv3DKernel.Forward(x, w, b, y, g);
            if (!backward) return;
            if (l.InputGradient)
            {
                Array.Clear(dx); // autograd hands the kernel a zeroed gradient
                Conv3DKernel.BackwardInput(dy, w, dx, g);
            }
            Array.Clear(dw);
            Conv3DKernel.BackwardKernel(x, dy, dw, g);
            Array.Clear(db);
            Reductions.SumRows(dy, db, g.OutputLength / l.Filters, l.Filters);
        }, a.Double("min", 0.3));
        return Result(seconds, l, backward);
    }

    /// <summary>The transposed layer: its geometry is the convolution from its output back to its input.</summary>
    private static Reply DeepSharpTransposed(Layer l, bool backward, double minSeconds)
    {
        var g = Conv3DTransposeGeometry.Create(Batch, (l.Depth, l.Side, l.Side), l.InC, l.Filters, (3, 3, 3), (l.Stride, l.Stride, l.Stride), true, (1, 1, 1));
        var rng = new Random(1);
        var x = Filled(g.OutputLength, rng);
        var w = Filled(g.KernelLength, rng);
        var b = Filled(l.Filters, rng);
        var y = new float[g.InputLength];
        var dy = Filled(g.InputLength, rng);
        var dx = new float[g.OutputLength];
        var dw = new float[g.KernelLength];
        var db = new float[l.Filters];
        double seconds = Time(() =>
        {
            Conv3DTransposeKernel.Forward(x, w, b, y, g);
            if (!backward) return;
            Conv3DTransposeKernel.BackwardInput(dy, w, dx, default, accumulate: false, g); // written, as autograd's first gradient
            Array.Clear(dw);
            Conv3DTransposeKernel.BackwardKernel(x, dy, dw, g);
            Array.Clear(db);
            Reductions.SumRows(dy, db, g.InputLength / l.Filters, l.Filters);
        }, minSeconds);
        return Result(seconds, l, backward);
    }

    public static Reply Torch(Args a)
    {
        var l = Find(a);
        bool backward = a.Text("pass") == "fwdbwd";
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(new long[] { Batch, l.InC, l.Depth, l.Side, l.Side }).requires_grad_(backward && l.InputGradient);
        var w = (l.Transposed ? torch.rand(new long[] { l.InC, l.Filters, 3, 3, 3 }) : torch.rand(new long[] { l.Filters, l.InC, 3, 3, 3 })).requires_grad_(true);
        var b = torch.rand(l.Filters).requires_grad_(true);
        var dy = torch.rand(new long[] { Batch, l.Filters, l.OutDepth, l.OutSide, l.OutSide });
        long[] stride = [l.Stride, l.Stride, l.Stride], padding = [1, 1, 1], outputPadding = [1, 1, 1];
        Func<torch.Tensor> call = l.Transposed
            ? () => torch.nn.functional.conv_transpose3d(x, w, b, stride, padding, outputPadding)
            : () => torch.nn.functional.conv3d(x, w, b, stride, padding);
        double seconds = Time(() =>
        {
            using var inner = torch.NewDisposeScope();
            if (!backward)
            {
                using var noGrad = torch.no_grad();
                call();
                return;
            }
            var y = call();
            y.backward([dy]);
        }, a.Double("min", 0.3));
        return Result(seconds, l, backward);
    }

    private static Reply Result(double seconds, Layer l, bool backward) => new()
    {
        ["seconds"] = seconds,
        ["cpu"] = t_cpuPerCall,
        ["gflops"] = (l.ForwardFlops + (backward ? l.BackwardFlops : 0)) / seconds / 1e9,
    };

    private static double Time(Action op, double minSeconds)
    {
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        double elapsed;
        int calls = 0;
        do
        {
            op();
            calls++;
            elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        } while (elapsed < minSeconds);
        t_cpuPerCall = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / calls;
        return elapsed / calls;
    }

    private static float[] Filled(int length, Random rng)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}
