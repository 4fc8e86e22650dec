using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>The fused RMS norm against its twin (float sums vs the twin's double sums), and the <see cref="VectorSum"/> driver under it.</summary>
public static unsafe class RmsNormChecks
{
    private static readonly int[] Rows = [0, 1, 2, 7, 13, 64];
    private static readonly int[] Cols = [.. Check.AwkwardSizes, 1000, 1024, 1031];
    private static readonly float[] Epsilons = [0f, 1e-6f, 1e-3f, 1f];

    public static void MatchesTwin()
    {
        int seed = 500;
        foreach (int rows in Rows)
            foreach (int cols in Cols)
                foreach (bool scaled in new[] { true, false })
                    foreach (float epsilon in Epsilons)
                    {
                        if (rows * cols > 20_000 && epsilon != 1e-6f) continue; // the large widths once per row count
                        if (cols == 0)
                        {
                            // No elements: nothing to compute or write (the twin's 0/0 mean square has no use).
                            RmsNormKernel.Forward([], [], epsilon, [], new float[rows], rows, 0);
                            RmsNormKernel.Backward([], new float[rows], [], [], [], [], rows, 0);
                            continue;
                        }
                        int n = rows * cols;
                        var x = Check.Random(n, ++seed);
                        for (int i = 0; i < n; i++) x[i] = x[i] * 2f - 0.3f;
                        var scale = scaled ? Check.Random(cols, ++seed) : [];
                        var y1 = new float[n]; var y2 = new float[n];
                        var r1 = new float[rows]; var r2 = new float[rows];
                        NaiveRmsNorm.Forward(x, scale, epsilon, y1, r1, rows, cols);
                        RmsNormKernel.Forward(x, scale, epsilon, y2, r2, rows, cols);
                        string context = $"RmsNorm {rows}x{cols} scaled={scaled} epsilon={epsilon}";
                        Check.Close(r1, r2, 1e-5f, 0f, context + " rstd");
                        Check.Close(y1, y2, 1e-5f, 1e-6f, context + " forward");

                        var dy = Check.Random(n, ++seed);
                        var dx1 = Check.Random(n, ++seed); var dx2 = (float[])dx1.Clone();
                        var ds1 = Check.Random(scaled ? cols : 0, ++seed); var ds2 = (float[])ds1.Clone();
                        NaiveRmsNorm.Backward(x, r1, scale, dy, dx1, ds1, rows, cols);
                        RmsNormKernel.Backward(x, r1, scale, dy, dx2, ds2, rows, cols);
                        // dx is rstd times a difference that cancels where a row has one large element: bounds scale with rstd.
                        float dxTolerance = 1e-4f * Math.Max(1f, rows == 0 ? 1f : r1.Max());
                        Check.Close(dx1, dx2, 1e-4f, dxTolerance, context + " dx");
                        Check.Close(ds1, ds2, 1e-4f, 1e-4f, context + " dscale");

                        // A fresh gradient buffer is overwritten: the garbage in it is never read.
                        var dx3 = new float[n];
                        NaiveRmsNorm.Backward(x, r1, scale, dy, dx3, default, rows, cols);
                        var dx4 = new float[n];
                        Array.Fill(dx4, float.NaN);
                        RmsNormKernel.Backward(x, r1, scale, dy, dx4, default, rows, cols, accumulateDx: false);
                        Check.Close(dx3, dx4, 1e-4f, dxTolerance, context + " dx overwritten");
                    }
    }

    /// <summary>
    /// Rows of zeros, tiny and large values: with ε &gt; 0 a zero row gives rstd = 1/√ε, y = 0 and a zero
    /// scale gradient; tiny rows (squares far below ε, or near float's smallest normals with ε = 0) and rows of
    /// 1e15 (squares near float's largest) stay within the twin's bounds.
    /// </summary>
    public static void EpsilonEdgeCases()
    {
        foreach (int cols in new[] { 1, 7, 16, 17, 1000 })
        {
            var zeros = new float[2 * cols];
            var y = new float[2 * cols]; var rstd = new float[2];
            RmsNormKernel.Forward(zeros, [], 1e-6f, y, rstd, 2, cols);
            Check.Equal<float>(new float[2 * cols], y, $"RmsNorm zero rows of {cols}, y");
            Check.Close([1000f, 1000f], rstd, 1e-6f, 0f, $"RmsNorm zero rows of {cols}, rstd = 1/√1e-6");
            var dx = new float[2 * cols]; var ds = new float[cols];
            RmsNormKernel.Backward(zeros, rstd, [], Check.Random(2 * cols, 3), dx, ds, 2, cols);
            Check.Equal<float>(new float[cols], ds, $"RmsNorm zero rows of {cols}, dscale");
            foreach (var (magnitude, epsilon) in new[] { (1e-6f, 1e-3f), (1e-18f, 0f), (1e-3f, 0f), (1e15f, 1e-6f), (3f, 1f) })
            {
                var x = Check.Random(3 * cols, cols);
                for (int i = 0; i < x.Length; i++) x[i] = (x[i] + 0.25f) * magnitude;
                var scale = Check.Random(cols, 7);
                var y1 = new float[x.Length]; var y2 = new float[x.Length];
                var r1 = new float[3]; var r2 = new float[3];
                NaiveRmsNorm.Forward(x, scale, epsilon, y1, r1, 3, cols);
                RmsNormKernel.Forward(x, scale, epsilon, y2, r2, 3, cols);
                string context = $"RmsNorm 3x{cols} of magnitude {magnitude} epsilon={epsilon}";
                Check.Close(r1, r2, 1e-5f, 0f, context + " rstd");
                Check.Close(y1, y2, 1e-5f, 1e-6f, context + " forward");
                var dy = Check.Random(x.Length, 11);
                var dx1 = new float[x.Length]; var dx2 = new float[x.Length];
                var ds1 = new float[cols]; var ds2 = new float[cols];
                NaiveRmsNorm.Backward(x, r1, scale, dy, dx1, ds1, 3, cols);
                RmsNormKernel.Backward(x, r1, scale, dy, dx2, ds2, 3, cols);
                // dx = rstd·(g − xhat·mean(g·xhat)) carries rounding of order rstd·|g|·2⁻²⁴ (a one-wide row with ε = 0
                // is exactly 0, which the kernel gives, while the twin's double keeps noise of rstd·1e-7): bound by that.
                Check.Close(dx1, dx2, 1e-4f, 1e-4f * r1.Max(), context + " dx");
                Check.Close(ds1, ds2, 1e-4f, 1e-4f, context + " dscale");
            }
        }
    }

    /// <summary>
    /// Rows run in fixed blocks on the worker pool, each block's dscale sums in its own slot added in
    /// block order: 1, 2 and 3 threads give the same bits; many blocks, the last partial.
    /// </summary>
    public static void IsIdenticalForAnyThreadCount()
    {
        int seed = 700;
        foreach (int cols in new[] { 1, 7, 31, 128, 131, 512 })
        {
            int rows = 400_000 / cols + 13, n = rows * cols;
            var x = Check.Random(n, ++seed);
            var scale = Check.Random(cols, ++seed);
            var dy = Check.Random(n, ++seed);
            var dxStart = Check.Random(n, ++seed);
            var dsStart = Check.Random(cols, ++seed);
            float[][] Run()
            {
                var y = new float[n]; var r = new float[rows];
                RmsNormKernel.Forward(x, scale, 1e-6f, y, r, rows, cols);
                var dx = (float[])dxStart.Clone(); var ds = (float[])dsStart.Clone();
                RmsNormKernel.Backward(x, r, scale, dy, dx, ds, rows, cols);
                var dxOnly = (float[])dxStart.Clone();
                RmsNormKernel.Backward(x, r, scale, dy, dxOnly, default, rows, cols);
                return [y, r, dx, ds, dxOnly];
            }
            var one = ThreadCounts.With(1, Run);
            string context = $"RmsNorm {rows}x{cols}";
            foreach (int threads in new[] { 2, 3 })
            {
                var other = ThreadCounts.With(threads, Run);
                for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], other[i], $"{context}, output {i}, 1 vs {threads} threads");
            }
            Check.Equal<float>(one[2], one[4], context + " dx alone vs with dscale");
        }
    }

    /// <summary>VectorSum visits every index once and adds exactly (small integers) at every length 0..256 and large primes.</summary>
    public static void VectorSumVisitsEveryIndexOnce()
    {
        foreach (int n in DriverData.Lengths)
        {
            if (n > 5000) continue; // integer sums stay exact in float below 2^24
            var visits = new int[n + 1];
            fixed (int* v = visits)
            {
                float sum = VectorSum.Of(new IndexBody(v), n);
                double expected = ExpectedSum(n);
                if (sum != (float)expected) throw new CheckFailedException($"VectorSum n={n}: {sum}, expected {expected}");
            }
            for (int i = 0; i < n; i++)
                if (visits[i] != 1) throw new CheckFailedException($"VectorSum n={n}: index {i} visited {visits[i]} times");
            if (visits[n] != 0) throw new CheckFailedException($"VectorSum n={n}: visited index n");
        }
    }

    private static double ExpectedSum(int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += i % 5;
        return s;
    }

    /// <summary>Term i % 5 for element i, counting visits.</summary>
    private readonly struct IndexBody(int* visits) : IVectorSumBody
    {
        public float Invoke(nuint i)
        {
            visits[i]++;
            return (float)(i % 5);
        }

        public System.Runtime.Intrinsics.Vector128<float> Invoke128(nuint i) =>
            System.Runtime.Intrinsics.Vector128.Create(Invoke(i), Invoke(i + 1), Invoke(i + 2), Invoke(i + 3));

        public System.Runtime.Intrinsics.Vector256<float> Invoke256(nuint i) =>
            System.Runtime.Intrinsics.Vector256.Create(Invoke128(i), Invoke128(i + 4));

        public System.Runtime.Intrinsics.Vector512<float> Invoke512(nuint i) =>
            System.Runtime.Intrinsics.Vector512.Create(Invoke256(i), Invoke256(i + 8));
    }
}
