using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The training convolution + ReLU + max-pool (<see cref="ConvPool2DKernel"/>): the forward has the
/// bits of the direct convolution followed by <see cref="MaxPool2DKernel"/> (values and argmax) for any
/// thread count; the kernel and bias gradients from the pooled gradient are bit-identical for 1–3
/// threads and within float32 rounding of the naive twin and of the unfused kernels.
/// </summary>
public static class ConvPoolTrainingChecks
{
    /// <summary>Unpadded geometries with pools: kernels 1–5, strides 1–2, dilation, 1–33 channels, dropped rows/columns, batches 1–17.</summary>
    private static IEnumerable<(Conv2DGeometry G, int PoolH, int PoolW)> Geometries()
    {
        yield return (Conv2DGeometry.Create(3, 28, 28, 1, 32, 3, 3, 1, 1, false), 2, 2); // the seed's first stage
        yield return (Conv2DGeometry.Create(17, 28, 28, 1, 32, 3, 3, 1, 1, false), 2, 2); // more images than chunks
        yield return (Conv2DGeometry.Create(2, 13, 13, 32, 64, 3, 3, 1, 1, false), 2, 2);
        yield return (Conv2DGeometry.Create(2, 11, 9, 3, 17, 3, 3, 1, 1, false), 3, 2);
        yield return (Conv2DGeometry.Create(1, 17, 19, 5, 33, 5, 5, 1, 1, false), 2, 3);
        yield return (Conv2DGeometry.Create(2, 20, 15, 2, 7, 3, 3, 2, 2, false), 2, 2);
        yield return (Conv2DGeometry.Create(1, 16, 16, 4, 16, 3, 3, 1, 1, false, 2, 2), 2, 2);
        yield return (Conv2DGeometry.Create(2, 7, 7, 31, 1, 1, 1, 1, 1, false), 1, 1);
        yield return (Conv2DGeometry.Create(1, 40, 40, 2, 5, 2, 2, 1, 1, false), 9, 9); // one window of 81 pixels
        yield return (Conv2DGeometry.Create(1, 5, 70, 3, 13, 3, 3, 1, 1, false), 1, 2); // pooled rows wider than a tile
        yield return (Conv2DGeometry.Create(5, 9, 9, 1, 8, 2, 2, 1, 1, false), 2, 2);
        yield return (Conv2DGeometry.Create(0, 9, 9, 1, 8, 3, 3, 1, 1, false), 2, 2); // empty batch
    }

    public static void ForwardHasTheBitsOfConvThenPool()
    {
        int seed = 900;
        foreach (var (g, ph, pw) in Geometries())
            foreach (bool relu in new[] { true, false })
            {
                var (x, w, bias) = Data(g, ref seed);
                var p = NaiveConvPoolTraining.PoolGeometry(g, ph, pw);
                var conv = new float[g.OutputLength];
                Forced(() => Conv2DKernel.Forward(x, w, bias, conv, g, relu));
                var expected = new float[p.OutputLength];
                var expectedArgmax = new int[p.OutputLength];
                MaxPool2DKernel.Forward(conv, expected, expectedArgmax, p);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var y = Check.Random(p.OutputLength, ++seed); // must be overwritten
                    var argmax = new int[p.OutputLength];
                    argmax.AsSpan().Fill(-7);
                    ThreadCounts.With(threads, () => { ConvPool2DKernel.Forward(x, w, bias, y, argmax, g, ph, pw, relu); return 0; });
                    string context = $"ConvPool2DKernel.Forward {g} pool {ph}x{pw} relu={relu} bias={bias.Length} threads={threads}";
                    if (System.Numerics.Vector.IsHardwareAccelerated)
                    {
                        Check.Equal<float>(expected, y, context);
                        Check.Equal<int>(expectedArgmax, argmax, context + " argmax");
                    }
                    else Check.Close(expected, y, 1e-4f, 1e-4f, context + " (scalar level)");
                }
                var naive = new float[p.OutputLength];
                NaiveConvPoolTraining.Forward(x, w, bias, naive, new int[p.OutputLength], g, ph, pw, relu);
                Check.Close(naive, expected, 1e-4f, 1e-4f, $"ConvPool2DKernel.Forward {g} pool {ph}x{pw} relu={relu} against the naive twin");
            }
    }

    public static void KernelGradientMatchesTwinAndIsThreadIndependent()
    {
        int seed = 950;
        foreach (var (g, ph, pw) in Geometries())
            foreach (bool relu in new[] { true, false })
            {
                var (x, w, bias) = Data(g, ref seed);
                var p = NaiveConvPoolTraining.PoolGeometry(g, ph, pw);
                var y = new float[p.OutputLength];
                var argmax = new int[p.OutputLength];
                ConvPool2DKernel.Forward(x, w, bias, y, argmax, g, ph, pw, relu);
                var dy = Check.Random(p.OutputLength, ++seed);
                var start = Check.Random(g.KernelLength, ++seed); // gradients accumulate
                var startBias = Check.Random(g.OutC, ++seed);
                float[]? first = null, firstBias = null;
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var dw = (float[])start.Clone();
                    var db = (float[])startBias.Clone();
                    ThreadCounts.With(threads, () => { ConvPool2DKernel.BackwardKernel(x, dy, y, argmax, dw, db, g, ph, pw, relu); return 0; });
                    string context = $"ConvPool2DKernel.BackwardKernel {g} pool {ph}x{pw} relu={relu} threads={threads}";
                    if (first is null)
                    {
                        (first, firstBias) = (dw, db);
                        continue;
                    }
                    Check.Equal<float>(first, dw, context + " against 1 thread");
                    Check.Equal<float>(firstBias!, db, context + " bias against 1 thread");
                }
                var naive = (float[])start.Clone();
                var naiveBias = (float[])startBias.Clone();
                NaiveConvPoolTraining.BackwardKernel(x, dy, y, argmax, naive, naiveBias, g, ph, pw, relu);
                string twin = $"ConvPool2DKernel.BackwardKernel {g} pool {ph}x{pw} relu={relu}";
                Check.Close(naive, first!, 1e-4f, 1e-4f * (1 + g.Batch * p.OutH * p.OutW / 64f), twin + " against the naive twin");
                Check.Close(naiveBias, firstBias!, 1e-4f, 1e-4f * (1 + g.Batch * p.OutH * p.OutW / 64f), twin + " bias against the naive twin");
                // The unfused kernels: the pool's scatter through the ReLU, then the convolution's kernel gradient.
                var dConv = new float[g.OutputLength];
                MaxPool2DKernel.Backward(dy, argmax, dConv, p, accumulate: false, relu ? y : default);
                var unfused = (float[])start.Clone();
                var unfusedBias = (float[])startBias.Clone();
                Conv2DKernel.BackwardKernelFused(x, dConv, default, unfused, unfusedBias, g);
                Check.Close(unfused, first!, 1e-4f, 1e-4f * (1 + g.Batch * p.OutH * p.OutW / 64f), twin + " against the unfused kernels");
                Check.Close(unfusedBias, firstBias!, 1e-4f, 1e-4f * (1 + g.Batch * p.OutH * p.OutW / 64f), twin + " bias against the unfused kernels");
            }
    }

    /// <summary>Padded or mismatched calls are refused with the geometry in the message, before any pointer is read.</summary>
    public static void RefusesWhatItCannotTake()
    {
        var same = Conv2DGeometry.Create(1, 8, 8, 1, 4, 3, 3, 1, 1, samePadding: true);
        Throws(() => ConvPool2DKernel.Forward(new float[64], new float[36], [], new float[64], new int[64], same, 2, 2, true), "'same' padding");
        var g = Conv2DGeometry.Create(1, 8, 8, 1, 4, 3, 3, 1, 1, samePadding: false);
        Throws(() => ConvPool2DKernel.Forward(new float[63], new float[36], [], new float[36], new int[36], g, 2, 2, true), "a short input");
        Throws(() => ConvPool2DKernel.Forward(new float[64], new float[36], [], new float[35], new int[36], g, 2, 2, true), "a short output");
        Throws(() => ConvPool2DKernel.BackwardKernel(new float[64], new float[36], new float[36], new int[35], new float[36], [], g, 2, 2, true), "a short argmax");
        Throws(() => ConvPool2DKernel.Forward(new float[64], new float[36], [], new float[36], new int[36], g, 7, 2, true), "a pool taller than the output");
    }

    private static void Throws(Action run, string context)
    {
        try { run(); }
        catch (ArgumentException) { return; }
        throw new CheckFailedException($"ConvPool2DKernel with {context}: no exception");
    }

    private static (float[] X, float[] W, float[] Bias) Data(in Conv2DGeometry g, ref int seed)
    {
        var x = Check.Random(g.InputLength, ++seed);
        var w = Check.Random(g.KernelLength, ++seed);
        var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
        return (x, w, bias);
    }

    /// <summary>The direct convolution (Winograd off), whose pixels the fused kernel computes.</summary>
    private static void Forced(Action run)
    {
        var before = WinogradF23.Mode;
        WinogradF23.Mode = WinogradF23.Choice.Never;
        try { run(); }
        finally { WinogradF23.Mode = before; }
    }
}
