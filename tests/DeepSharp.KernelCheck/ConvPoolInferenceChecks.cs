using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The fused inference kernels (convolution + bias + ReLU + max-pool with a kernel prepared once):
/// the bits of the training kernels followed by the pool — <see cref="WinogradConvPool"/> those of
/// <see cref="WinogradF23"/>, <see cref="DirectConvPool"/> those of the direct convolution — for every
/// split into work items and thread count, and close to the naive twin <see cref="NaiveConvPool"/>.
/// </summary>
public static unsafe class ConvPoolInferenceChecks
{
    /// <summary>3×3 stride-1 geometries: 'same' and 'valid', odd and even sides (a dropped last row/column), awkward channel counts.</summary>
    private static IEnumerable<Conv2DGeometry> WinogradGeometries()
    {
        int[] sides = [2, 3, 4, 5, 7, 8, 13, 14];
        int[] channels = [1, 3, 16, 17, 32, 33];
        int i = 0;
        foreach (bool same in new[] { false, true })
            for (int j = 0; j < 10; j++, i++)
            {
                int h = sides[(i * 5 + j) % sides.Length], w = sides[(i * 3 + 2 * j + 1) % sides.Length];
                if (!same) (h, w) = (h + 2, w + 2);
                yield return Conv2DGeometry.Create(1 + j % 3, h, w, channels[(i + j) % channels.Length], channels[(2 * i + 3 * j + 1) % channels.Length], 3, 3, 1, 1, same);
            }
        yield return Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, samePadding: false); // convnet's second layer
        yield return Conv2DGeometry.Create(2, 14, 14, 32, 64, 3, 3, 1, 1, samePadding: true);  // convnet-aug's second stage
        yield return Conv2DGeometry.Create(1, 3, 3, 16, 16, 3, 3, 1, 1, samePadding: false);   // one output pixel: nothing pooled
        yield return Conv2DGeometry.Create(0, 6, 6, 16, 16, 3, 3, 1, 1, samePadding: true);    // empty batch
    }

    /// <summary>Unpadded geometries with pools: kernels 1–5, strides 1–2, dilation, one and many channels.</summary>
    private static IEnumerable<(Conv2DGeometry G, int PoolH, int PoolW)> DirectGeometries()
    {
        yield return (Conv2DGeometry.Create(1, 28, 28, 1, 32, 3, 3, 1, 1, false), 2, 2); // the seed's first stage
        yield return (Conv2DGeometry.Create(3, 13, 13, 32, 64, 3, 3, 1, 1, false), 2, 2);
        yield return (Conv2DGeometry.Create(2, 11, 9, 3, 17, 3, 3, 1, 1, false), 3, 2);
        yield return (Conv2DGeometry.Create(1, 17, 19, 5, 33, 5, 5, 1, 1, false), 2, 3);
        yield return (Conv2DGeometry.Create(2, 20, 15, 2, 7, 3, 3, 2, 2, false), 2, 2);
        yield return (Conv2DGeometry.Create(1, 16, 16, 4, 16, 3, 3, 1, 1, false, 2, 2), 2, 2);
        yield return (Conv2DGeometry.Create(2, 7, 7, 31, 1, 1, 1, 1, 1, false), 1, 1);
        yield return (Conv2DGeometry.Create(1, 40, 40, 2, 5, 2, 2, 1, 1, false), 9, 9); // one window of 81 pixels, over a tile
        yield return (Conv2DGeometry.Create(1, 5, 70, 3, 16, 3, 3, 1, 1, false), 1, 2); // pooled rows wider than a tile
        yield return (Conv2DGeometry.Create(1, 4, 4, 3, 8, 3, 3, 1, 1, false), 3, 3);   // nothing pooled
    }

    public static void WinogradConvPoolHasTheBitsOfWinogradThenPool()
    {
        int seed = 700;
        foreach (var g in WinogradGeometries())
            foreach (bool relu in new[] { true, false })
            {
                var (x, w, bias) = Data(g, ref seed);
                var conv = new float[g.OutputLength];
                Forced(WinogradF23.Choice.Always, () => Conv2DKernel.Forward(x, w, bias, conv, g, relu));
                var expected = Pooled(conv, g, 2, 2);
                var kernel = new WinogradKernel(w, bias, g.InC, g.OutC);
                foreach (int threads in new[] { 1, 2 })
                    foreach (int chunks in new[] { 1, 2, 5 })
                    {
                        var actual = Check.Random(expected.Length, ++seed); // must be overwritten
                        ThreadCounts.With(threads, () => RunWinograd(x, kernel, actual, g, relu, chunks));
                        Same(expected, actual, $"WinogradConvPool {g} relu={relu} bias={bias.Length} threads={threads} chunks={chunks}");
                    }
                var naive = new float[expected.Length];
                NaiveConvPool.Forward(x, w, bias, naive, g, 2, 2, relu);
                Check.Close(naive, expected, 1e-4f, 2e-4f * g.InC, $"WinogradConvPool {g} relu={relu} against the naive twin");
                foreach (int chunks in new[] { 1, 3 }) // without the pool: the convolution itself, WinogradF23's bits
                {
                    var plain = Check.Random(conv.Length, ++seed);
                    ThreadCounts.With(2, () => RunWinograd(x, kernel, plain, g, relu, chunks, pool: false));
                    Same(conv, plain, $"WinogradConvPool without pool {g} relu={relu} bias={bias.Length} chunks={chunks}");
                }
            }
    }

    public static void DirectConvPoolHasTheBitsOfTheDirectConvThenPool()
    {
        int seed = 800;
        foreach (var (g, ph, pw) in DirectGeometries())
            foreach (bool relu in new[] { true, false })
            {
                var (x, w, bias) = Data(g, ref seed);
                var conv = new float[g.OutputLength];
                Forced(WinogradF23.Choice.Never, () => Conv2DKernel.Forward(x, w, bias, conv, g, relu));
                var expected = Pooled(conv, g, ph, pw);
                var kernel = new DirectKernel(w, bias, g.KernelH, g.KernelW, g.InC, g.OutC);
                foreach (int threads in new[] { 1, 2 })
                    foreach (int bands in new[] { 1, 2, 3 })
                    {
                        var actual = Check.Random(expected.Length, ++seed);
                        ThreadCounts.With(threads, () => RunDirect(x, kernel, actual, g, ph, pw, relu, bands));
                        Same(expected, actual, $"DirectConvPool {g} pool {ph}x{pw} relu={relu} bias={bias.Length} threads={threads} bands={bands}");
                    }
                var naive = new float[expected.Length];
                NaiveConvPool.Forward(x, w, bias, naive, g, ph, pw, relu);
                Check.Close(naive, expected, 1e-4f, 1e-4f, $"DirectConvPool {g} pool {ph}x{pw} relu={relu} against the naive twin");
            }
    }

    /// <summary>A kernel prepared for one geometry refuses another, instead of reading past its arrays.</summary>
    public static void KernelsRefuseAMismatchedGeometry()
    {
        var g = Conv2DGeometry.Create(1, 8, 8, 4, 16, 3, 3, 1, 1, false);
        var x = new float[g.InputLength];
        var y = new float[g.OutputLength];
        var winograd = new WinogradKernel(new float[9 * 5 * 16], [], 5, 16);
        var direct = new DirectKernel(new float[9 * 4 * 8], [], 3, 3, 4, 8);
        Throws(() => RunWinograd(x, winograd, y, g, relu: true, chunks: 1), "WinogradConvPool, 5 channels in for 4");
        Throws(() => RunDirect(x, direct, y, g, 2, 2, relu: true, bands: 1), "DirectConvPool, 8 channels out for 16");
        Throws(() => _ = new WinogradKernel(new float[10], [], 1, 1), "WinogradKernel of 10 floats for 3x3x1x1");
    }

    /// <summary>
    /// Bit for bit where the training convolution runs the vector kernels; without vector hardware it is
    /// the naive twin (and Predict does not fuse), so the fused kernels are held to float32 rounding of it.
    /// </summary>
    private static void Same(float[] training, float[] fused, string context)
    {
        if (System.Numerics.Vector.IsHardwareAccelerated) Check.Equal<float>(training, fused, context);
        else Check.Close(training, fused, 1e-4f, 1e-3f, context + " (scalar level)");
    }

    private static void Throws(Action run, string context)
    {
        try { run(); }
        catch (ArgumentException) { return; }
        throw new CheckFailedException($"{context}: no exception");
    }

    private static (float[] X, float[] W, float[] Bias) Data(in Conv2DGeometry g, ref int seed)
    {
        var x = Check.Random(g.InputLength, ++seed);
        var w = Check.Random(g.KernelLength, ++seed);
        var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
        return (x, w, bias);
    }

    private static float[] Pooled(float[] conv, in Conv2DGeometry g, int ph, int pw)
    {
        var p = Pool2DGeometry.Create(g.Batch, g.OutH, g.OutW, g.OutC, ph, pw, ph, pw, samePadding: false);
        var y = new float[p.OutputLength];
        NaiveMaxPool2D.Forward(conv, y, new int[p.OutputLength], p);
        return y;
    }

    private static void Forced(WinogradF23.Choice choice, Action run)
    {
        var before = WinogradF23.Mode;
        WinogradF23.Mode = choice;
        try { run(); }
        finally { WinogradF23.Mode = before; }
    }

    private static int RunWinograd(float[] x, WinogradKernel kernel, float[] y, in Conv2DGeometry g, bool relu, int chunks, bool pool = true)
    {
        fixed (float* px = x, py = y) WinogradConvPool.Run(px, kernel, py, g, relu, chunks, pool);
        return 0;
    }

    private static int RunDirect(float[] x, DirectKernel kernel, float[] y, in Conv2DGeometry g, int ph, int pw, bool relu, int bands)
    {
        fixed (float* px = x, py = y) DirectConvPool.Run(px, kernel, py, g, ph, pw, relu, bands);
        return 0;
    }
}
