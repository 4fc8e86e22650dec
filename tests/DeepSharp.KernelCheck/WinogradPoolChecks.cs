using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Winograd under a 2×2 max-pool in training: <see cref="WinogradF23Pool"/> (the fused forward through
/// <see cref="ConvPool2DKernel"/>) has the bits of <see cref="WinogradF23"/> followed by
/// <see cref="MaxPool2DKernel"/> (values and argmax) for 1–3 threads; the tiles that the input and kernel
/// gradients skip where dy's last row or column is zero (odd sizes) change no bit against computing
/// them, for 1–3 threads, and stay within float32 rounding of the naive twins.
/// </summary>
public static class WinogradPoolChecks
{
    /// <summary>'Valid' 3×3 geometries: odd and even outputs (11×11 drops a row and a column to the pool), 2×2 and 1-wide pooled outputs, awkward channels.</summary>
    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        yield return Conv2DGeometry.Create(2, 13, 13, 32, 64, 3, 3, 1, 1, false); // convnet's second layer
        yield return Conv2DGeometry.Create(3, 12, 12, 17, 33, 3, 3, 1, 1, false); // even output: every tile pooled
        yield return Conv2DGeometry.Create(1, 9, 16, 5, 17, 3, 3, 1, 1, false);   // 7×14
        yield return Conv2DGeometry.Create(2, 4, 5, 3, 5, 3, 3, 1, 1, false);     // 2×3 → one pooled pixel
        yield return Conv2DGeometry.Create(1, 23, 21, 2, 32, 3, 3, 1, 1, false);  // 21×19: pooled rows past a 64-tile chunk
        yield return Conv2DGeometry.Create(2, 10, 11, 1, 7, 3, 3, 1, 1, false);   // one input channel
        yield return Conv2DGeometry.Create(0, 9, 9, 8, 8, 3, 3, 1, 1, false);     // empty batch
    }

    public static void FusedForwardHasTheBitsOfWinogradThenPool()
    {
        int seed = 1200;
        foreach (var g in Geometries())
            foreach (bool relu in new[] { true, false })
            {
                var x = Check.Random(g.InputLength, ++seed);
                var w = Check.Random(g.KernelLength, ++seed);
                var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
                var p = NaiveConvPoolTraining.PoolGeometry(g, 2, 2);
                var conv = new float[g.OutputLength];
                Forced(() => Conv2DKernel.Forward(x, w, bias, conv, g, relu));
                var expected = new float[p.OutputLength];
                var expectedArgmax = new int[p.OutputLength];
                MaxPool2DKernel.Forward(conv, expected, expectedArgmax, p);
                string context = $"WinogradF23Pool {g} relu={relu} bias={bias.Length}";
                if (g.Batch > 0 && System.Numerics.Vector.IsHardwareAccelerated && !Forced(() => ConvPool2DKernel.Pays(g, 2, 2)))
                    throw new CheckFailedException(context + ": the fused pass is not taken.");
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var y = Check.Random(p.OutputLength, ++seed); // must be overwritten
                    var argmax = new int[p.OutputLength];
                    argmax.AsSpan().Fill(-7);
                    ThreadCounts.With(threads, () => { Forced(() => ConvPool2DKernel.Forward(x, w, bias, y, argmax, g, 2, 2, relu)); return 0; });
                    if (System.Numerics.Vector.IsHardwareAccelerated)
                    {
                        Check.Equal<float>(expected, y, $"{context} threads={threads}");
                        Check.Equal<int>(expectedArgmax, argmax, $"{context} threads={threads} argmax");
                    }
                    else Check.Close(expected, y, 1e-4f, 1e-4f, $"{context} threads={threads} (scalar level)");
                }
                var naive = new float[p.OutputLength];
                NaiveConvPoolTraining.Forward(x, w, bias, naive, new int[p.OutputLength], g, 2, 2, relu);
                Check.Close(naive, expected, 1e-4f, 2e-4f * (1 + g.InC), context + " against the naive twin");
            }
    }

    /// <summary>
    /// The gradients of the fused op's training backward on Winograd: dy scattered through the pool (zero in the
    /// row and column an odd size drops), then the input gradient (skipping the zero tiles) and the kernel
    /// gradient (skipping them too, and through <see cref="ConvPool2DKernel.BackwardKernel"/> for a layer with
    /// no input gradient): the bits of computing every tile, for any thread count, near the naive twins.
    /// </summary>
    public static void SkippedZeroTilesChangeNoBit()
    {
        int seed = 1300;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = Check.Random(g.OutC, ++seed);
            var p = NaiveConvPoolTraining.PoolGeometry(g, 2, 2);
            var y = new float[p.OutputLength];
            var argmax = new int[p.OutputLength];
            Forced(() => ConvPool2DKernel.Forward(x, w, bias, y, argmax, g, 2, 2, relu: true));
            var dy = Check.Random(p.OutputLength, ++seed);
            var dConv = new float[g.OutputLength];
            MaxPool2DKernel.Backward(dy, argmax, dConv, p, accumulate: false, y);
            var dxStart = Check.Random(g.InputLength, ++seed);
            var dwStart = Check.Random(g.KernelLength, ++seed);
            var dbStart = Check.Random(g.OutC, ++seed);
            float[][] Run(bool skip, int threads) => ThreadCounts.With(threads, () => Forced(() =>
            {
                WinogradF23.ZeroTileSkipDisabled = WinogradF23KernelGradient.ZeroTileSkipDisabled = !skip;
                try
                {
                    var dx = (float[])dxStart.Clone();
                    var dw = (float[])dwStart.Clone();
                    var db = (float[])dbStart.Clone();
                    var dwFused = (float[])dwStart.Clone();
                    var dbFused = (float[])dbStart.Clone();
                    Conv2DKernel.BackwardInput(dConv, w, dx, g);
                    Conv2DKernel.BackwardKernelFused(x, (float[])dConv.Clone(), default, dw, db, g);
                    ConvPool2DKernel.BackwardKernel(x, dy, y, argmax, dwFused, dbFused, g, 2, 2, relu: true);
                    return new[] { dx, dw, db, dwFused, dbFused };
                }
                finally { WinogradF23.ZeroTileSkipDisabled = WinogradF23KernelGradient.ZeroTileSkipDisabled = false; }
            }));
            var every = Run(skip: false, threads: 1);
            string[] names = ["input gradient", "kernel gradient", "bias gradient", "fused kernel gradient", "fused bias gradient"];
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var skipped = Run(skip: true, threads);
                for (int i = 0; i < names.Length; i++)
                    Check.Equal<float>(every[i], skipped[i], $"Winograd zero tiles skipped, {names[i]} {g} threads={threads}");
            }
            var dxNaive = (float[])dxStart.Clone();
            var dwNaive = (float[])dwStart.Clone();
            NaiveConv2D.BackwardInput(dConv, w, dxNaive, g);
            NaiveConv2D.BackwardKernel(x, dConv, dwNaive, g);
            Check.Close(dxNaive, every[0], 1e-4f, 2e-4f * (1 + g.OutC), $"Winograd input gradient {g} against the naive twin");
            Check.Close(dwNaive, every[1], 1e-4f, 2e-4f * (1 + g.Batch * g.OutH * g.OutW), $"Winograd kernel gradient {g} against the naive twin");
            Check.Close(dwNaive, every[3], 1e-4f, 2e-4f * (1 + g.Batch * g.OutH * g.OutW), $"Winograd fused kernel gradient {g} against the naive twin");
        }
    }

    /// <summary>A nonzero value in the dropped row or column (any image) keeps its tiles: the results still match the naive twins.</summary>
    public static void NonzeroEdgeKeepsItsTiles()
    {
        var g = Conv2DGeometry.Create(3, 13, 13, 24, 32, 3, 3, 1, 1, false); // neither side 16 wide: the general path both ways
        int seed = 1400;
        foreach (var (row, column) in new[] { (10, 4), (3, 10), (10, 10) })
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var dy = new float[g.OutputLength];
            dy[((2 * g.OutH + row) * g.OutW + column) * g.OutC + 5] = 1.5f; // the last image only
            dy[((0 * g.OutH + 2) * g.OutW + 2) * g.OutC + 7] = -0.5f;
            var dx = Check.Random(g.InputLength, ++seed);
            var dxNaive = (float[])dx.Clone();
            var dw = new float[g.KernelLength];
            var dwNaive = new float[g.KernelLength];
            Forced(() => Conv2DKernel.BackwardInput(dy, w, dx, g));
            Forced(() => Conv2DKernel.BackwardKernel(x, dy, dw, g));
            NaiveConv2D.BackwardInput(dy, w, dxNaive, g);
            NaiveConv2D.BackwardKernel(x, dy, dwNaive, g);
            Check.Close(dxNaive, dx, 1e-4f, 1e-3f, $"Winograd input gradient, dy nonzero at ({row}, {column}) {g}");
            Check.Close(dwNaive, dw, 1e-4f, 1e-3f, $"Winograd kernel gradient, dy nonzero at ({row}, {column}) {g}");
        }
    }

    private static void Forced(Action run) => Forced(() => { run(); return 0; });

    private static T Forced<T>(Func<T> run)
    {
        var before = WinogradF23.Mode;
        WinogradF23.Mode = WinogradF23.Choice.Always;
        try { return run(); }
        finally { WinogradF23.Mode = before; }
    }
}
