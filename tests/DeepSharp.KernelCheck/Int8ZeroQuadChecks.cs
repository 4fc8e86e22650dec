using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The VNNI GEMM that skips zero quads (<see cref="Int8GemmZeroQuads"/>) against the naive GEMM, bit
/// for bit: rows 0–5, 63–65 (blocks of 4 and their remainders), K around the 4-byte quad, the
/// 16-quad compare and the 64-quad panel (1 … 5,408), N in whole tiles (16 … 144: groups of 4 tiles
/// and single tiles), A strides past K, densities from all zero to none zero, the extremes 255 ×
/// 127/−128 (the largest sums), and garbage in the readable bytes after each row's end. Called
/// directly, through <see cref="Int8Gemm.MultiplyRows"/> (which picks it from the count of non-zero
/// quads) and through <see cref="Int8Linear"/>'s u8 form with zero points 0 and 3. Where AVX-512 or
/// AVX-VNNI is absent (SimdPathTests' child processes) Applies is false and only the dispatch runs.
/// </summary>
public static class Int8ZeroQuadChecks
{
    private static readonly int[] Rows = [0, 1, 2, 3, 4, 5, 63, 64, 65];
    private static readonly int[] Depths = [1, 3, 4, 5, 63, 64, 65, 255, 256, 257, 260, 1000, 5408];
    private static readonly int[] Channels = [16, 32, 48, 64, 80, 128, 144];
    private static readonly double[] Densities = [0, 0.05, 0.41, 0.61, 1];

    public static unsafe void ZeroQuadGemmMatchesTwin()
    {
        int seed = 7700;
        foreach (int m in Rows)
            foreach (int k in Depths)
            {
                seed++;
                int n = Channels[seed % Channels.Length];
                double density = Densities[seed % Densities.Length];
                int lda = k + (seed % 3) * 5;
                var a = Sparse(m, k, lda, density, seed);
                var w = Int8Checks.RandomWeights(k * n, seed + 1);
                Compare(m, n, k, a, lda, w, $"m={m} n={n} k={k} lda={lda} density={density}");
            }
    }

    public static unsafe void ZeroQuadGemmIsExactAtTheExtremes()
    {
        foreach (int k in new[] { 4, 7, 64, 5408, 9999 })
            foreach (sbyte value in new sbyte[] { 127, -128 })
            {
                // Every other quad all 255, the rest zero: the largest sums the skipped kernel adds.
                int m = 5, n = 32;
                var a = new byte[m * k + Int8Gemm.Slack];
                for (int i = 0; i < m * k; i++) a[i] = (i % k) / 4 % 2 == 0 ? (byte)255 : (byte)0;
                var w = new sbyte[k * n];
                Array.Fill(w, value);
                Compare(m, n, k, a, k, w, $"extreme k={k} w={value}");
            }
    }

    public static unsafe void ZeroQuadDenseMatchesTwin()
    {
        // The quantized Dense on u8 input (a ReLU's bytes: mostly zero), every path, zero points 0 and 3.
        int seed = 7900;
        foreach (int m in new[] { 1, 3, 4, 65, 130 })
            foreach (int n in new[] { 10, 16, 128 })
                foreach (int k in new[] { 9, 64, 676 })
                {
                    seed++;
                    var a = Sparse(m, k, k, Densities[seed % Densities.Length], seed);
                    var w = Int8Checks.RandomWeights(k * n, seed + 1);
                    var output = Int8Checks.Output(n, seed, 0.01f, seed % 2 == 0 ? 0 : 3);
                    var expected = new float[m * n];
                    NaiveInt8.Linear(m, n, k, a.AsSpan(0, m * k), w, output, expected);
                    foreach (var path in Int8Paths.Supported())
                    {
                        var actual = new float[m * n];
                        fixed (byte* pa = a)
                        fixed (float* py = actual)
                            Int8Linear.Forward(m, pa, Int8Weights.Pack(w, k, n, path), output, Int8Destination.ToFloats(py));
                        Check.Equal<float>(expected, actual, $"Int8 Dense on u8 {path} m={m} n={n} k={k}");
                    }
                }
    }

    public static unsafe void ZeroQuadCountAndListsAreExact()
    {
        // The count that picks the kernel and the per-panel lists: every non-zero quad, in order, with its offset.
        int seed = 8100;
        int* values = stackalloc int[Int8GemmZeroQuads.PanelQuads + 16];
        int* offsets = stackalloc int[Int8GemmZeroQuads.PanelQuads + 16];
        foreach (int k in new[] { 1, 4, 63, 64, 65, 200, 257 })
            foreach (double density in Densities)
            {
                seed++;
                var a = Sparse(2, k, k, density, seed);
                int quads = (k + 3) / 4;
                long expected = 0;
                var listed = new List<(int Value, int Offset)>();
                for (int r = 0; r < 2; r++)
                    for (int q = 0; q < quads; q++)
                    {
                        int v = BitConverter.ToInt32(a, r * k + 4 * q);
                        if (v != 0) expected++;
                        if (v != 0 && r == 0) listed.Add((v, 64 * q));
                    }
                fixed (byte* pa = a)
                {
                    long count = Int8GemmZeroQuads.NonZeroQuads(pa, k, 2, k);
                    if (count != expected) throw new CheckFailedException($"Int8 zero quads k={k} density={density}: counted {count}, expected {expected}");
                    int at = 0;
                    for (int q0 = 0; q0 < quads; q0 += Int8GemmZeroQuads.PanelQuads)
                    {
                        int got = Int8GemmZeroQuads.List(pa, q0, Math.Min(quads, q0 + Int8GemmZeroQuads.PanelQuads), k, values, offsets);
                        for (int i = 0; i < got; i++, at++)
                            if (at >= listed.Count || values[i] != listed[at].Value || offsets[i] != listed[at].Offset)
                                throw new CheckFailedException($"Int8 zero quads k={k} density={density}: list entry {at} is ({values[i]}, {offsets[i]})");
                    }
                    if (at != listed.Count) throw new CheckFailedException($"Int8 zero quads k={k} density={density}: listed {at} of {listed.Count}");
                }
            }
    }

    private static unsafe void Compare(int m, int n, int k, byte[] a, int lda, sbyte[] w, string context)
    {
        var expected = new int[m * n];
        NaiveInt8.Gemm(m, n, k, a, lda, w, expected, n);
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, k, n, path);
            var actual = new int[m * n];
            Array.Fill(actual, 12345); // C is overwritten, never added to
            fixed (byte* pa = a)
            fixed (int* pc = actual)
                Int8Gemm.MultiplyRows(pa, lda, m, packed, pc, n, readable: true);
            Check.Equal<int>(expected, actual, $"Int8 GEMM in place {path} {context}");
            if (!Int8GemmZeroQuads.Applies(packed)) continue;
            Array.Fill(actual, -777);
            fixed (byte* pa = a)
            fixed (int* pc = actual)
                Int8GemmZeroQuads.MultiplyRows(pa, lda, m, packed, pc, n);
            Check.Equal<int>(expected, actual, $"Int8 GEMM skipping zero quads {context}");
        }
    }

    /// <summary>
    /// m rows of k bytes (stride lda) in which each quad is non-zero with probability
    /// <paramref name="density"/> (its bytes random, 255 and 0 over-represented), garbage between
    /// and after the rows (the readable slack and the stride's gap).
    /// </summary>
    private static byte[] Sparse(int m, int k, int lda, double density, int seed)
    {
        var rng = new Random(seed);
        var a = new byte[Math.Max(0, (m - 1) * lda + k) + Int8Gemm.Slack];
        rng.NextBytes(a);
        for (int r = 0; r < m; r++)
            for (int q = 0; q < k; q += 4)
            {
                bool live = rng.NextDouble() < density;
                for (int i = q; i < Math.Min(k, q + 4); i++)
                    a[r * lda + i] = live ? (byte)(rng.Next(4) == 0 ? rng.Next(2) * 255 : rng.Next(256)) : (byte)0;
            }
        return a;
    }
}
