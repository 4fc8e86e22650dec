using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Winograd F(4×4, 3×3) against the naive (double-precision) twin, forced on for every geometry, with the
/// bound of <see cref="WinogradF43"/>'s remarks as each element's tolerance: with u = 2⁻²⁴ and
/// γ(n) = n·u/(1 − n·u), |ŷ − y| ≤ γ(Cin + 16)·Σ_ci Σ_ξ |Aᵀ|[i, ξr]·|Aᵀ|[j, ξc]·(|G|·|g_ci|·|Gᵀ|)[ξ]·(|Bᵀ|·|d_ci|·|B|)[ξ]
/// + 2u·(|y| + |bias|) (+ 2u·|y| again when adding onto y), for output (i, j) of its 4×4 tile, g_ci the 3×3
/// kernel slice of the output's channel, d_ci the tile's 6×6 input window (zeros outside the input).
/// </summary>
public static class WinogradF43Checks
{
    private const double U = 1.0 / (1 << 24);

    private static readonly double[,] AbsAT = { { 1, 1, 1, 1, 1, 0 }, { 0, 1, 1, 2, 2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, 1, 8, 8, 1 } };
    private static readonly double[,] AbsBT =
    {
        { 4, 0, 5, 0, 1, 0 }, { 0, 4, 4, 1, 1, 0 }, { 0, 4, 4, 1, 1, 0 }, { 0, 2, 1, 2, 1, 0 }, { 0, 2, 1, 2, 1, 0 }, { 0, 4, 0, 5, 0, 1 },
    };
    private static readonly double[,] AbsG =
    {
        { 0.25, 0, 0 }, { 1.0 / 6, 1.0 / 6, 1.0 / 6 }, { 1.0 / 6, 1.0 / 6, 1.0 / 6 }, { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
    };

    /// <summary>
    /// 3×3 stride-1 geometries: sides 1 to 30 (primes, odd, even, not multiples of 4), 'same', 'valid' and explicit
    /// padding; 1, 3, 16, 17, 32 and 64 channels in and out; one and three images; past a chunk of 32 tiles.
    /// </summary>
    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        int[] channels = [1, 3, 16, 17, 32, 64];
        return WinogradGeometries.Of(
            new WinogradGeometries.Sweep([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 17, 23, 24, 29, 30], channels, channels,
                PerPadding: 16, OutShift: 1, ValidSpread: 5, Batch: j => j % 2 == 0 ? 1 : 3, MaxWork: 30_000),
            emptyFilters: 32, convnetBatch: 3);
    }

    public static void ForwardWithinBoundOfTwin()
    {
        int seed = 800;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
            var expected = new float[g.OutputLength];
            var actual = Check.Random(g.OutputLength, ++seed); // must be overwritten
            NaiveConv2D.Forward(x, w, bias, expected, g);
            var bound = Bound(x, w, bias, expected, g, accumulated: false);
            Forced(() => Conv2DKernel.Forward(x, w, bias, actual, g));
            WithinBound(expected, actual, bound, $"Winograd F(4,3) forward {g} bias={bias.Length}");

            NaiveActivations.Relu(expected, expected);
            Forced(() => Conv2DKernel.Forward(x, w, bias, actual, g, relu: true));
            WithinBound(expected, actual, bound, $"Winograd F(4,3) forward+ReLU {g} bias={bias.Length}");
            foreach (float v in actual)
                if (!(v >= 0f)) throw new CheckFailedException($"Winograd F(4,3) forward+ReLU {g}: output {v} is negative or NaN.");
        }
    }

    /// <summary>Adding onto y (the input gradient's form): y + conv(x, w) within the bound plus the add's rounding.</summary>
    public static void AccumulateWithinBoundOfTwin()
    {
        int seed = 900;
        foreach (var g in Geometries().Where((_, k) => k % 3 == 0))
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var start = Check.Random(g.OutputLength, ++seed);
            var conv = new float[g.OutputLength];
            NaiveConv2D.Forward(x, w, [], conv, g);
            var expected = new float[g.OutputLength];
            for (int i = 0; i < expected.Length; i++) expected[i] = (float)((double)start[i] + conv[i]);
            var bound = Bound(x, w, [], expected, g, accumulated: true);
            for (int i = 0; i < bound.Length; i++) bound[i] += U * Math.Abs(conv[i]); // the twin's rounding of conv before the add
            var actual = (float[])start.Clone();
            Forced(() => ForwardRaw(x, w, actual, g));
            WithinBound(expected, actual, bound, $"Winograd F(4,3) accumulate {g}");
        }
    }

    /// <summary>The stride-1 input gradient runs as a forward convolution of dy with the flipped kernel, on F(4,3) when forced.</summary>
    public static void BackwardInputWithinBoundOfTwin()
    {
        int seed = 1000;
        foreach (var g in Geometries().Where((_, k) => k % 2 == 1))
        {
            if (WinogradForced(() => !ConvBackwardInputAsForward.Applies(g))) continue;
            var dy = Check.Random(g.OutputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var start = Check.Random(g.InputLength, ++seed);
            var expected = (float[])start.Clone();
            var actual = (float[])start.Clone();
            NaiveConv2D.BackwardInput(dy, w, expected, g);
            Forced(() => Conv2DKernel.BackwardInput(dy, w, actual, g));
            var full = ConvBackwardInputAsForward.TransposedGeometry(g);
            var flipped = WinogradGeometries.FlippedKernel(w, g);
            var bound = Bound(dy, flipped, [], expected, full, accumulated: true);
            for (int i = 0; i < bound.Length; i++) bound[i] += 2 * U * Math.Abs(start[i]);
            WithinBound(expected, actual, bound, $"Winograd F(4,3) backward input {g}");
        }
    }

    /// <summary>
    /// The kernel gradient by F(3×3, 4×4) (<see cref="WinogradF43KernelGradient"/>, with the fused ReLU mask and bias
    /// sum) against the twins, with the bound of its remarks: per dW element (kh, kw, ci, co)
    /// γ(T + T/32 + 32)·Σ_tiles Σ_ξ |Gᵀ|[kh, ξr]·|Gᵀ|[kw, ξc]·(|A|·|e_co|·|Aᵀ|)[ξ]·(|Bᵀ|·|d_ci|·|B|)[ξ] + 4u·|dw|,
    /// T the tiles summed (the reduction's depth, its 32-tile groups and chunks; the transforms' roundings in the 32).
    /// </summary>
    public static void KernelGradientWithinBoundOfTwin()
    {
        int seed = 1200;
        foreach (var g in Geometries().Where((_, k) => k % 2 == 0))
        {
            if (WinogradForced(() => !WinogradF43KernelGradient.Applies(g))) continue;
            WinogradKernelGradientCase.Run(g, ref seed, "Winograd F(3,4)", Forced, KernelGradientBound, WithinBound);
        }
    }

    /// <summary>The bound of <see cref="KernelGradientWithinBoundOfTwin"/>, in double.</summary>
    private static double[] KernelGradientBound(float[] x, float[] dy, float[] expected, in Conv2DGeometry g)
    {
        int cin = g.InC, cout = g.OutC, tilesH = (g.OutH + 3) / 4, tilesW = (g.OutW + 3) / 4;
        long tiles = (long)g.Batch * tilesH * tilesW, depth = tiles + tiles / 32 + 32;
        double gamma = depth * U / (1 - depth * U);
        var sums = new double[cin * cout * 36];
        var vd = new double[cin * 36];
        var ve = new double[cout * 36];
        for (int n = 0; n < g.Batch; n++)
            for (int th = 0; th < tilesH; th++)
                for (int tw = 0; tw < tilesW; tw++)
                {
                    Array.Clear(vd);
                    Array.Clear(ve);
                    int ih0 = 4 * th - g.PadTop, iw0 = 4 * tw - g.PadLeft;
                    for (int r = 0; r < 6; r++)
                        for (int c = 0; c < 6; c++)
                        {
                            int ih = ih0 + r, iw = iw0 + c;
                            if ((uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) continue;
                            for (int ci = 0; ci < cin; ci++)
                            {
                                double d = Math.Abs(x[((n * g.InH + ih) * g.InW + iw) * cin + ci]);
                                for (int a = 0; a < 6; a++)
                                    for (int b = 0; b < 6; b++) vd[ci * 36 + 6 * a + b] += AbsBT[a, r] * d * AbsBT[b, c];
                            }
                        }
                    for (int i = 0; i < 4 && 4 * th + i < g.OutH; i++)
                        for (int j = 0; j < 4 && 4 * tw + j < g.OutW; j++)
                            for (int co = 0; co < cout; co++)
                            {
                                double e = Math.Abs(dy[((n * g.OutH + 4 * th + i) * g.OutW + 4 * tw + j) * cout + co]);
                                for (int a = 0; a < 6; a++)
                                    for (int b = 0; b < 6; b++) ve[co * 36 + 6 * a + b] += AbsAT[i, a] * e * AbsAT[j, b];
                            }
                    for (int ci = 0; ci < cin; ci++)
                        for (int co = 0; co < cout; co++)
                            for (int xi = 0; xi < 36; xi++) sums[(ci * cout + co) * 36 + xi] += vd[ci * 36 + xi] * ve[co * 36 + xi];
                }
        var bound = new double[expected.Length];
        for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++)
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++)
                    {
                        double s = 0;
                        for (int a = 0; a < 6; a++)
                            for (int b = 0; b < 6; b++) s += AbsG[a, kh] * AbsG[b, kw] * sums[(ci * cout + co) * 36 + 6 * a + b];
                        int at = ((kh * 3 + kw) * cin + ci) * cout + co;
                        bound[at] = gamma * s + 4 * U * Math.Abs(expected[at]);
                    }
        return bound;
    }

    /// <summary>
    /// The input gradient on F(4,3) skips the last tile row and column where dy's rows and columns under them are
    /// zero (dy under a 2×2 pool at an odd size): the same bits as computing every tile, for 1–2 threads.
    /// </summary>
    public static void ZeroTileSkipKeepsTheBits()
    {
        var geometries = new[]
        {
            Conv2DGeometry.Create(3, 13, 13, 32, 64, 3, 3, 1, 1, false), // convnet's second layer: dy 11×11, dx 13×13
            Conv2DGeometry.Create(2, 9, 14, 17, 33, 3, 3, 1, 1, false),  // dy 7×12
            Conv2DGeometry.Create(1, 11, 11, 3, 32, 3, 3, 1, 1, true),   // 'same'
        };
        int seed = 1300;
        foreach (var g in geometries)
        {
            var dy = Check.Random(g.OutputLength, ++seed);
            for (int n = 0; n < g.Batch; n++) // zero the last dy row and column (of an odd-sized output), and the row before for one image
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                        if (oh == g.OutH - 1 || ow == g.OutW - 1 || (n == 1 && oh == g.OutH - 2))
                            Array.Clear(dy, ((n * g.OutH + oh) * g.OutW + ow) * g.OutC, g.OutC);
            var w = Check.Random(g.KernelLength, ++seed);
            var start = Check.Random(g.InputLength, ++seed);
            foreach (int threads in new[] { 1, 2 })
            {
                var skipped = (float[])start.Clone();
                var every = (float[])start.Clone();
                ThreadCounts.With(threads, () => { Forced(() => Conv2DKernel.BackwardInput(dy, w, skipped, g)); return 0; });
                WinogradF43.ZeroTileSkipDisabled = true;
                try { ThreadCounts.With(threads, () => { Forced(() => Conv2DKernel.BackwardInput(dy, w, every, g)); return 0; }); }
                finally { WinogradF43.ZeroTileSkipDisabled = false; }
                Check.Equal<float>(every, skipped, $"Winograd F(4,3) zero-tile skip {g} threads={threads}");
                var expected = (float[])start.Clone();
                NaiveConv2D.BackwardInput(dy, w, expected, g);
                Check.Close(expected, skipped, 1e-3f, 1e-3f, $"Winograd F(4,3) zero-tile skip {g} against the twin");
            }
        }
    }

    /// <summary>
    /// <see cref="WinogradF43Pool"/> (the fused training forward through <see cref="ConvPool2DKernel"/>) has the bits
    /// of <see cref="WinogradF43"/> followed by <see cref="MaxPool2DKernel"/> (values and argmax) for 1–3 threads:
    /// odd and even convolution and pooled sizes (tiles reading past the input's edge), one pooled pixel, a
    /// chunk's worth of tiles, awkward channels, an empty batch.
    /// </summary>
    public static void FusedPoolHasTheBitsOfF43ThenPool()
    {
        var geometries = new[]
        {
            Conv2DGeometry.Create(2, 13, 13, 32, 64, 3, 3, 1, 1, false), // convnet's second layer: 11×11 → 5×5
            Conv2DGeometry.Create(1, 26, 26, 32, 32, 3, 3, 1, 1, false), // convnet-aug's widest: 24×24 → 12×12
            Conv2DGeometry.Create(3, 12, 12, 17, 33, 3, 3, 1, 1, false), // 10×10 → 5×5
            Conv2DGeometry.Create(1, 9, 16, 5, 17, 3, 3, 1, 1, false),   // 7×14 → 3×7
            Conv2DGeometry.Create(2, 4, 5, 3, 5, 3, 3, 1, 1, false),     // 2×3 → one pooled pixel
            Conv2DGeometry.Create(1, 23, 29, 2, 16, 3, 3, 1, 1, false),  // 21×27 → 10×13: past a chunk of tiles
            Conv2DGeometry.Create(2, 10, 11, 1, 7, 3, 3, 1, 1, false),   // one input channel
            Conv2DGeometry.Create(0, 9, 9, 8, 8, 3, 3, 1, 1, false),     // empty batch
        };
        int seed = 1100;
        foreach (var g in geometries)
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
                string context = $"WinogradF43Pool {g} relu={relu} bias={bias.Length}";
                if (g.Batch > 0 && !WinogradForced(() => WinogradF43Pool.Applies(g, 2, 2) && ConvPool2DKernel.Pays(g, 2, 2)))
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
            }
        var convnet = Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 1, 1, false);
        var aug = Conv2DGeometry.Create(128, 26, 26, 32, 32, 3, 3, 1, 1, false);
        foreach (var g in new[] { convnet, aug })
            if (WinogradF43Pool.Applies(g, 2, 2) != WinogradF43.Applies(g)) // fused and unfused must take the same algorithm
                throw new CheckFailedException($"WinogradF43Pool: Applies({g}) differs from WinogradF43's ({WinogradF43.Applies(g)}).");
    }

    /// <summary>The bound is tight enough to catch a wrong transform: a result with two taps swapped fails it.</summary>
    public static void BoundRejectsAWrongResult()
    {
        var g = Conv2DGeometry.Create(1, 8, 8, 16, 32, 3, 3, 1, 1, samePadding: true);
        var x = Check.Random(g.InputLength, 1);
        var w = Check.Random(g.KernelLength, 2);
        var expected = new float[g.OutputLength];
        NaiveConv2D.Forward(x, w, [], expected, g);
        var bound = Bound(x, w, [], expected, g, accumulated: false);
        var swapped = (float[])w.Clone();
        for (int i = 0; i < g.InC * g.OutC; i++) (swapped[i], swapped[8 * g.InC * g.OutC + i]) = (swapped[8 * g.InC * g.OutC + i], swapped[i]);
        var wrong = new float[g.OutputLength];
        Forced(() => Conv2DKernel.Forward(x, swapped, [], wrong, g));
        bool rejected = false;
        try { WithinBound(expected, wrong, bound, "wrong"); }
        catch (CheckFailedException) { rejected = true; }
        if (!rejected) throw new CheckFailedException("Winograd F(4,3) bound: a convolution with two taps swapped passed as within the bound.");
    }

    /// <summary>Forward (with bias and ReLU), input gradient and kernel gradient (with ReLU mask and bias sum) on F(4,3) give the same bits with one, two and three threads.</summary>
    public static void IdenticalForAnyThreadCount()
    {
        var g = Conv2DGeometry.Create(37, 11, 9, 17, 33, 3, 3, 1, 1, samePadding: true);
        var x = Check.Random(g.InputLength, 1);
        var w = Check.Random(g.KernelLength, 2);
        var bias = Check.Random(g.OutC, 3);
        var dy = Check.Random(g.OutputLength, 4);
        float[][] Run() => WinogradForced(() =>
        {
            var y = new float[g.OutputLength];
            var dx = Check.Random(g.InputLength, 5);
            Conv2DKernel.Forward(x, w, bias, y, g, relu: true);
            Conv2DKernel.BackwardInput(dy, w, dx, g);
            var dyMasked = (float[])dy.Clone();
            var dw = Check.Random(g.KernelLength, 6);
            var db = Check.Random(g.OutC, 7);
            Conv2DKernel.BackwardKernelFused(x, dyMasked, y, dw, db, g);
            return new[] { y, dx, dyMasked, dw, db };
        });
        var one = ThreadCounts.With(1, Run);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = ThreadCounts.With(threads, Run);
            for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], other[i], $"Winograd F(4,3) pass {i}, 1 vs {threads} threads");
        }
    }

    /// <summary>
    /// Auto takes F(4,3) only with 512-bit vectors on Intel, for convnet's second layer and convnet-aug's widest
    /// at training batch sizes; never at batch 1, for 16 filters, a one-channel input, a 13×13 output (too many
    /// partial tiles), or when a check forces F(2,3); the 256-bit, 128-bit and scalar paths keep F(2,3).
    /// </summary>
    public static void AutoPicksF43WhereItPays()
    {
        var convnet = Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 1, 1, false);
        var aug = Conv2DGeometry.Create(128, 26, 26, 32, 32, 3, 3, 1, 1, false);
        bool expected = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && CpuIdentity.IsIntel;
        foreach (var g in new[] { convnet, aug })
        {
            if (WinogradF43.Applies(g) != expected)
                throw new CheckFailedException($"Winograd F(4,3): Applies({g}) is {!expected} on {SimdLevel.Describe()}, {CpuIdentity.Description}.");
            if (WinogradF43KernelGradient.Applies(g) != expected)
                throw new CheckFailedException($"Winograd F(3,4) kernel gradient: Applies({g}) is {!expected} on {SimdLevel.Describe()}, {CpuIdentity.Description}.");
        }
        // convnet's input gradient (dy 11×11 → dx 13×13, 0.73 of F(2,3)'s products) takes F(4,3) only as a call that skips zero tiles.
        var convnetInputGradient = ConvBackwardInputAsForward.TransposedGeometry(convnet);
        if (WinogradF43.Applies(convnetInputGradient, skipsZeroTiles: true) != expected || WinogradF43.Applies(convnetInputGradient))
            throw new CheckFailedException($"Winograd F(4,3): the choice for convnet's input gradient {convnetInputGradient} is wrong on {SimdLevel.Describe()}, {CpuIdentity.Description}.");
        foreach (var g in new[]
        {
            Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, false),
            Conv2DGeometry.Create(128, 28, 28, 16, 16, 3, 3, 1, 1, true),
            Conv2DGeometry.Create(128, 28, 28, 1, 32, 3, 3, 1, 1, false),
            Conv2DGeometry.Create(128, 15, 15, 32, 64, 3, 3, 1, 1, false),
            Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 2, 2, false),
        })
            if (WinogradF43.Applies(g)) throw new CheckFailedException($"Winograd F(4,3): picked for {g}.");
        var before = WinogradF23.Mode;
        WinogradF23.Mode = WinogradF23.Choice.Always;
        try
        {
            if (WinogradF43.Applies(convnet) || WinogradF43KernelGradient.Applies(convnet))
                throw new CheckFailedException("Winograd F(4,3): picked while F(2,3) is forced.");
        }
        finally { WinogradF23.Mode = before; }
    }

    private static unsafe void ForwardRaw(float[] x, float[] w, float[] y, Conv2DGeometry g)
    {
        fixed (float* px = x, pw = w, py = y)
            ConvForward.Run(px, pw, null, py, g, relu: false, accumulate: true);
    }

    private static void Forced(Action run) => WinogradForced(() => { run(); return 0; });

    private static T WinogradForced<T>(Func<T> run)
    {
        var before = WinogradF43.Mode;
        WinogradF43.Mode = WinogradF43.Choice.Always;
        try { return run(); }
        finally { WinogradF43.Mode = before; }
    }

    /// <summary>The per-element bound of the class summary, in double.</summary>
    private static double[] Bound(float[] x, float[] w, float[] bias, float[] expected, in Conv2DGeometry g, bool accumulated)
    {
        int cin = g.InC, cout = g.OutC, tilesH = (g.OutH + 3) / 4, tilesW = (g.OutW + 3) / 4;
        double gamma = (cin + 16) * U / (1 - (cin + 16) * U);
        // |G|·|g|·|Gᵀ| per (ci, co), 36 each.
        var ug = new double[cin * cout * 36];
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
                for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                    {
                        double s = 0;
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++)
                                s += AbsG[a, kh] * Math.Abs(w[((kh * 3 + kw) * cin + ci) * cout + co]) * AbsG[b, kw];
                        ug[(ci * cout + co) * 36 + 6 * a + b] = s;
                    }
        var bound = new double[g.OutputLength];
        var vd = new double[cin * 36];
        var sums = new double[36];
        for (int n = 0; n < g.Batch; n++)
            for (int th = 0; th < tilesH; th++)
                for (int tw = 0; tw < tilesW; tw++)
                {
                    // |Bᵀ|·|d|·|B| per ci.
                    Array.Clear(vd);
                    int ih0 = 4 * th - g.PadTop, iw0 = 4 * tw - g.PadLeft;
                    for (int r = 0; r < 6; r++)
                        for (int c = 0; c < 6; c++)
                        {
                            int ih = ih0 + r, iw = iw0 + c;
                            if ((uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) continue;
                            for (int ci = 0; ci < cin; ci++)
                            {
                                double d = Math.Abs(x[((n * g.InH + ih) * g.InW + iw) * cin + ci]);
                                if (d == 0) continue;
                                for (int a = 0; a < 6; a++)
                                {
                                    if (AbsBT[a, r] == 0) continue;
                                    for (int b = 0; b < 6; b++) vd[ci * 36 + 6 * a + b] += AbsBT[a, r] * d * AbsBT[b, c];
                                }
                            }
                        }
                    for (int co = 0; co < cout; co++)
                    {
                        Array.Clear(sums);
                        for (int ci = 0; ci < cin; ci++)
                            for (int xi = 0; xi < 36; xi++) sums[xi] += ug[(ci * cout + co) * 36 + xi] * vd[ci * 36 + xi];
                        for (int i = 0; i < 4 && 4 * th + i < g.OutH; i++)
                            for (int j = 0; j < 4 && 4 * tw + j < g.OutW; j++)
                            {
                                double e = 0;
                                for (int a = 0; a < 6; a++)
                                    for (int b = 0; b < 6; b++) e += AbsAT[i, a] * AbsAT[j, b] * sums[6 * a + b];
                                int at = ((n * g.OutH + 4 * th + i) * g.OutW + 4 * tw + j) * cout + co;
                                double y = Math.Abs(expected[at]);
                                bound[at] = gamma * e + 2 * U * (y + (bias.Length > 0 ? Math.Abs(bias[co]) : 0)) + (accumulated ? 2 * U * y : 0);
                            }
                    }
                }
        return bound;
    }

    private static void WithinBound(float[] expected, float[] actual, double[] bound, string context)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            double allowed = bound[i] + U * Math.Abs(expected[i]); // the twin rounds its double sum to float once
            if (!(error <= allowed))
                throw new CheckFailedException($"{context}: element {i} is {actual[i]}, expected {expected[i]} (error {error:G3} > bound {allowed:G3}).");
        }
    }
}
