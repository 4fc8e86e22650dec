using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Winograd F(2×2, 3×3) against the naive (double-precision) twin, forced on for every geometry, with
/// the documented error bound as the tolerance of each element: with u = 2⁻²⁴ and γ(n) = n·u/(1 − n·u),
/// |ŷ − y| ≤ γ(Cin + 12)·4·Σ_ci ‖g_ci‖₁·‖d_ci‖₁ + 2u·(|y| + |bias|) (+ 2u·|y| again when adding onto y),
/// where g_ci is the 3×3 kernel slice of the output's channel and d_ci the 4×4 input window of the
/// output's tile (zeros outside the input).
/// </summary>
public static class WinogradChecks
{
    private const double U = 1.0 / (1 << 24);

    /// <summary>3×3 stride-1 geometries: sides 1, 2, primes, odd and even; 'same', 'valid' and explicit padding; awkward channel counts.</summary>
    private static IEnumerable<Conv2DGeometry> Geometries() => WinogradGeometries.Of(
        new WinogradGeometries.Sweep([1, 2, 3, 4, 5, 7, 8, 11, 13], [1, 2, 3, 5, 16, 17, 31, 32, 33], [1, 5, 16, 17, 32, 33, 64],
            PerPadding: 14, OutShift: 0, ValidSpread: 4, Batch: j => j % 3 == 0 ? 1 : 2 + j % 2),
        emptyFilters: 16, convnetBatch: 2);

    public static void ForwardWithinBoundOfTwin()
    {
        int seed = 300;
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
            WithinBound(expected, actual, bound, $"Winograd forward {g} bias={bias.Length}");

            NaiveActivations.Relu(expected, expected);
            Forced(() => Conv2DKernel.Forward(x, w, bias, actual, g, relu: true));
            WithinBound(expected, actual, bound, $"Winograd forward+ReLU {g} bias={bias.Length}");
            foreach (float v in actual)
                if (!(v >= 0f)) throw new CheckFailedException($"Winograd forward+ReLU {g}: output {v} is negative or NaN.");
        }
    }

    /// <summary>The stride-1 input gradient runs as a forward convolution of dy with the flipped kernel, on Winograd.</summary>
    public static void BackwardInputWithinBoundOfTwin()
    {
        int seed = 400;
        foreach (var g in Geometries())
        {
            if (WinogradForced(() => !ConvBackwardInputAsForward.Applies(g))) continue;
            var dy = Check.Random(g.OutputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var start = Check.Random(g.InputLength, ++seed);
            var expected = (float[])start.Clone();
            var actual = (float[])start.Clone();
            NaiveConv2D.BackwardInput(dy, w, expected, g);
            Forced(() => Conv2DKernel.BackwardInput(dy, w, actual, g));
            // The bound of the forward convolution it runs: dy as input, the kernel flipped and transposed.
            var full = ConvBackwardInputAsForward.TransposedGeometry(g);
            var flipped = WinogradGeometries.FlippedKernel(w, g);
            var bound = Bound(dy, flipped, [], expected, full, accumulated: true);
            WithinBound(expected, actual, bound, $"Winograd backward input {g}");
        }
    }

    /// <summary>
    /// The kernel gradient by F(3×3, 2×2) (with the fused ReLU mask and bias sum) against the twins, with
    /// the forward's bound with kernel and dy swapped: per dW element γ(tiles + 12)·4·Σ_tiles ‖e‖₁·‖d‖₁.
    /// </summary>
    public static void KernelGradientWithinBoundOfTwin()
    {
        int seed = 500;
        foreach (var g in Geometries())
        {
            if (WinogradForced(() => !WinogradF23KernelGradient.Applies(g))) continue;
            WinogradKernelGradientCase.Run(g, ref seed, "Winograd", Forced, KernelGradientBound, WithinBound);
        }
    }

    private static double[] KernelGradientBound(float[] x, float[] dy, float[] expected, in Conv2DGeometry g)
    {
        int cin = g.InC, cout = g.OutC, tilesH = (g.OutH + 1) / 2, tilesW = (g.OutW + 1) / 2;
        long tiles = (long)g.Batch * tilesH * tilesW;
        double gamma = (tiles + 12) * U / (1 - (tiles + 12) * U);
        var sums = new double[cin * cout];
        var windowNorm = new double[cin];
        var tileNorm = new double[cout];
        for (int n = 0; n < g.Batch; n++)
            for (int th = 0; th < tilesH; th++)
                for (int tw = 0; tw < tilesW; tw++)
                {
                    Array.Clear(windowNorm);
                    Array.Clear(tileNorm);
                    int ih0 = 2 * th - g.PadTop, iw0 = 2 * tw - g.PadLeft;
                    for (int ih = Math.Max(ih0, 0); ih < Math.Min(ih0 + 4, g.InH); ih++)
                        for (int iw = Math.Max(iw0, 0); iw < Math.Min(iw0 + 4, g.InW); iw++)
                            for (int ci = 0; ci < cin; ci++)
                                windowNorm[ci] += Math.Abs(x[((n * g.InH + ih) * g.InW + iw) * cin + ci]);
                    for (int oh = 2 * th; oh < Math.Min(2 * th + 2, g.OutH); oh++)
                        for (int ow = 2 * tw; ow < Math.Min(2 * tw + 2, g.OutW); ow++)
                            for (int co = 0; co < cout; co++)
                                tileNorm[co] += Math.Abs(dy[((n * g.OutH + oh) * g.OutW + ow) * cout + co]);
                    for (int ci = 0; ci < cin; ci++)
                        for (int co = 0; co < cout; co++)
                            sums[ci * cout + co] += windowNorm[ci] * tileNorm[co];
                }
        var bound = new double[expected.Length];
        for (int tap = 0; tap < 9; tap++)
            for (int i = 0; i < cin * cout; i++)
                bound[tap * cin * cout + i] = gamma * 4 * sums[i] + 4 * U * Math.Abs(expected[tap * cin * cout + i]);
        return bound;
    }

    /// <summary>
    /// The 16-filter path (<see cref="WinogradF23Narrow512"/>, AVX-512) gives the general Winograd path's
    /// bits: forward with and without bias, ReLU and accumulation, the kernel gradient (with and without
    /// the fused ReLU mask and bias sum, <see cref="WinogradF23Narrow512KernelGradient"/>), and the input
    /// gradient it runs for 16 → 16 layers; sides 1, 2, odd, even and primes, 'same', 'valid' and explicit padding, 16–64
    /// input channels, one and several images, tiles past a block of 8 and past a work item.
    /// </summary>
    public static void NarrowPathMatchesGeneralPathExactly()
    {
        var geometries = new[]
        {
            Conv2DGeometry.Create(1, 1, 1, 16, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(2, 2, 3, 16, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(3, 5, 7, 32, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(1, 13, 13, 16, 16, 3, 3, 1, 1, samePadding: false),
            Conv2DGeometry.Create(2, 11, 17, 48, 16, 3, 3, 1, 1, samePadding: false),
            Conv2DGeometry.Create(2, 28, 28, 16, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(1, 9, 8, 64, 16, 3, 3, 1, 1, samePadding: true),
            Conv2DGeometry.Create(1, 200, 3, 16, 16, 3, 3, 1, 1, samePadding: true), // one tile column: 64 tile rows per item
            Conv2DGeometry.Create(1, 6, 7, 16, 16, 3, 3, 1, 1, false) with { PadTop = 2, PadLeft = 3 },
            Conv2DGeometry.Create(0, 5, 5, 16, 16, 3, 3, 1, 1, samePadding: true),
        };
        int seed = 700;
        foreach (var g in geometries)
        {
            if (g.Batch > 0 && Avx512FSupported() && !WinogradF23Narrow512.Applies(g))
                throw new CheckFailedException($"Winograd 16-filter path: does not apply to {g}.");
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = seed % 2 == 0 ? [] : Check.Random(g.OutC, ++seed);
            var start = Check.Random(g.OutputLength, ++seed);
            foreach (bool relu in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                {
                    var narrow = (float[])start.Clone();
                    var general = (float[])start.Clone();
                    NarrowOrGeneral(true, () => ForwardRaw(x, w, bias, narrow, g, relu, accumulate));
                    NarrowOrGeneral(false, () => ForwardRaw(x, w, bias, general, g, relu, accumulate));
                    Check.Equal<float>(general, narrow, $"Winograd 16-filter path {g} bias={bias.Length} relu={relu} accumulate={accumulate}");
                }
            var reluOutput = Check.Random(g.OutputLength, ++seed);
            for (int i = 0; i < reluOutput.Length; i++) reluOutput[i] = Math.Max(reluOutput[i], 0f);
            foreach (bool relu in new[] { false, true })
            {
                var dyNarrow = Check.Random(g.OutputLength, ++seed);
                var dyGeneral = (float[])dyNarrow.Clone();
                var dwNarrow = Check.Random(g.KernelLength, ++seed);
                var dwGeneral = (float[])dwNarrow.Clone();
                var dbNarrow = relu ? Check.Random(g.OutC, ++seed) : [];
                var dbGeneral = (float[])dbNarrow.Clone();
                NarrowOrGeneral(true, () => Conv2DKernel.BackwardKernelFused(x, dyNarrow, relu ? reluOutput : [], dwNarrow, dbNarrow, g));
                NarrowOrGeneral(false, () => Conv2DKernel.BackwardKernelFused(x, dyGeneral, relu ? reluOutput : [], dwGeneral, dbGeneral, g));
                Check.Equal<float>(dyGeneral, dyNarrow, $"Winograd 16-filter path, masked dy {g} relu={relu}");
                Check.Equal<float>(dwGeneral, dwNarrow, $"Winograd 16-filter path, kernel gradient {g} relu={relu}");
                Check.Equal<float>(dbGeneral, dbNarrow, $"Winograd 16-filter path, bias gradient {g} relu={relu}");
            }
            if (g.InC != 16) continue;
            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NarrowOrGeneral(true, () => Conv2DKernel.BackwardInput(dy, w, dx1, g));
            NarrowOrGeneral(false, () => Conv2DKernel.BackwardInput(dy, w, dx2, g));
            Check.Equal<float>(dx2, dx1, $"Winograd 16-filter path, input gradient {g}");
        }
    }

    private static bool Avx512FSupported() =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

    private static unsafe void ForwardRaw(float[] x, float[] w, float[] bias, float[] y, Conv2DGeometry g, bool relu, bool accumulate)
    {
        fixed (float* px = x, pw = w, pb = bias, py = y)
            ConvForward.Run(px, pw, bias.Length == 0 ? null : pb, py, g, relu, accumulate);
    }

    private static void NarrowOrGeneral(bool narrow, Action run)
    {
        WinogradF23Narrow512.Disabled = !narrow;
        try { Forced(run); }
        finally { WinogradF23Narrow512.Disabled = false; }
    }

    /// <summary>The bound is tight enough to catch a wrong transform: a result with two taps swapped fails it.</summary>
    public static void BoundRejectsAWrongResult()
    {
        var g = Conv2DGeometry.Create(1, 8, 8, 16, 16, 3, 3, 1, 1, samePadding: true);
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
        if (!rejected) throw new CheckFailedException("Winograd bound: a convolution with two taps swapped passed as within the bound.");
    }

    /// <summary>Forward, input and kernel gradients on Winograd give the same bits with one thread as with two.</summary>
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
            var dw = Check.Random(g.KernelLength, 6);
            var db = Check.Random(g.OutC, 7);
            Conv2DKernel.Forward(x, w, bias, y, g, relu: true);
            Conv2DKernel.BackwardInput(dy, w, dx, g);
            Conv2DKernel.BackwardKernelFused(x, (float[])dy.Clone(), y, dw, db, g);
            return new[] { y, dx, dw, db };
        });
        var one = ThreadCounts.With(1, Run);
        var two = ThreadCounts.With(2, Run);
        for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], two[i], $"Winograd pass {i}, 1 vs 2 threads");
    }

    /// <summary>
    /// Auto picks Winograd for convnet's second layer at training batch sizes and leaves it direct at
    /// batch 1 (too few tiles to pay for the kernel transform), and leaves the seed's one-channel layer,
    /// 5×5, strided and dilated layers direct.
    /// </summary>
    public static void AutoPicksWinogradWhereItPays()
    {
        if (!WinogradF23.Applies(Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 1, 1, false)))
            throw new CheckFailedException("Winograd: not picked for 13×13×32 → 64 at batch 128.");
        if (WinogradF23.Applies(Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, false)))
            throw new CheckFailedException("Winograd: picked for 13×13×32 → 64 at batch 1 (36 tiles).");
        foreach (var g in new[]
        {
            Conv2DGeometry.Create(128, 28, 28, 1, 32, 3, 3, 1, 1, false),
            Conv2DGeometry.Create(128, 13, 13, 32, 64, 5, 5, 1, 1, false),
            Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 2, 2, false),
            Conv2DGeometry.Create(128, 13, 13, 32, 64, 3, 3, 1, 1, false, 2, 2),
        })
            if (WinogradF23.Applies(g)) throw new CheckFailedException($"Winograd: picked for {g}.");
    }

    private static void Forced(Action run) => WinogradForced(() => { run(); return 0; });

    private static T WinogradForced<T>(Func<T> run)
    {
        var before = WinogradF23.Mode;
        WinogradF23.Mode = WinogradF23.Choice.Always;
        try { return run(); }
        finally { WinogradF23.Mode = before; }
    }

    /// <summary>The per-element bound of the class summary (with the flipped kernel's layout for the input gradient).</summary>
    private static double[] Bound(float[] x, float[] w, float[] bias, float[] expected, in Conv2DGeometry g, bool accumulated)
    {
        int cin = g.InC, cout = g.OutC;
        double gamma = (cin + 12) * U / (1 - (cin + 12) * U);
        var kernelNorm = new double[cin * cout];
        for (int tap = 0; tap < 9; tap++)
            for (int ci = 0; ci < cin; ci++)
                for (int co = 0; co < cout; co++)
                    kernelNorm[ci * cout + co] += Math.Abs(w[(tap * cin + ci) * cout + co]);
        var bound = new double[g.OutputLength];
        var windowNorm = new double[cin];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    Array.Clear(windowNorm);
                    int ih0 = oh / 2 * 2 - g.PadTop, iw0 = ow / 2 * 2 - g.PadLeft;
                    for (int ih = Math.Max(ih0, 0); ih < Math.Min(ih0 + 4, g.InH); ih++)
                        for (int iw = Math.Max(iw0, 0); iw < Math.Min(iw0 + 4, g.InW); iw++)
                            for (int ci = 0; ci < cin; ci++)
                                windowNorm[ci] += Math.Abs(x[((n * g.InH + ih) * g.InW + iw) * cin + ci]);
                    for (int co = 0; co < cout; co++)
                    {
                        double s = 0;
                        for (int ci = 0; ci < cin; ci++) s += kernelNorm[ci * cout + co] * windowNorm[ci];
                        int at = ((n * g.OutH + oh) * g.OutW + ow) * cout + co;
                        double y = Math.Abs(expected[at]);
                        bound[at] = gamma * 4 * s + 2 * U * (y + (bias.Length > 0 ? Math.Abs(bias[co]) : 0)) + (accumulated ? 2 * U * y : 0);
                    }
                }
        return bound;
    }

    private static void WithinBound(float[] expected, float[] actual, double[] bound, string context)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            // The twin rounds its double sum to float once: half an ulp of the expected value more.
            double allowed = bound[i] + U * Math.Abs(expected[i]);
            if (!(error <= allowed))
                throw new CheckFailedException($"{context}: element {i} is {actual[i]}, expected {expected[i]} (error {error:G3} > bound {allowed:G3}).");
        }
    }
}
