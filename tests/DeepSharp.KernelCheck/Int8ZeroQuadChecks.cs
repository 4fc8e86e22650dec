using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The VNNI GEMM that skips zero quads (<see cref="Int8GemmZeroQuads"/>) against the naive GEMM, bit
/// for bit: rows 0–5, 63–65 (groups of 4 and the rows after them), K around the 4-byte quad and the
/// 16-quad compare (1 … 5,408), N in whole tiles (16 … 144: pairs of tiles and a single one, groups
/// of 4 and single ones), A strides past K, densities from all zero to none zero (so both the
/// listed kernels and their dense fallbacks run), the extremes 255 × 127/−128 (the largest sums),
/// and garbage in the readable bytes after each row's end; the lists themselves entry by entry.
/// Called directly, through <see cref="Int8Gemm.MultiplyRows"/> and through <see cref="Int8Linear"/>'s
/// u8 form with zero points 0 and 3. Where AVX-512 or AVX-VNNI is absent (SimdPathTests' child
/// processes) Applies is false and only the dispatch runs.
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

    public static unsafe void ZeroQuadListsAreExact()
    {
        // The lists the kernels run over: for one row every non-zero quad, for 4 rows every quad
        // non-zero in any of them, in order, with its offset in a weight tile and each row's bytes.
        // (They compress with AVX-512: without it, or without AVX-VNNI, the kernel never runs.)
        if (!Int8GemmZeroQuads.Applies(Int8Weights.Pack(new sbyte[16], 1, 16, Int8Paths.Best))) return;
        int seed = 8100;
        foreach (int k in new[] { 1, 4, 63, 64, 65, 200, 257, 1000 })
            foreach (double density in Densities)
            {
                seed++;
                int lda = k + seed % 3;
                var a = Sparse(4, k, lda, density, seed);
                int quads = (k + 3) / 4;
                int Quad(int r, int q) => BitConverter.ToInt32(a, r * lda + 4 * q);
                var buffer = new int[6 * (quads + 16)];
                fixed (byte* pa = a)
                fixed (int* pb = buffer)
                {
                    int* offsets = pb, v0 = pb + (quads + 16), v1 = v0 + (quads + 16), v2 = v1 + (quads + 16), v3 = v2 + (quads + 16);
                    int got = Int8GemmZeroQuads.List(pa, 0, quads, k, v0, offsets), at = 0;
                    for (int q = 0; q < quads; q++)
                        if (Quad(0, q) != 0)
                        {
                            if (at >= got || v0[at] != Quad(0, q) || offsets[at] != 64 * q)
                                throw new CheckFailedException($"Int8 zero quads k={k} density={density}: one row's entry {at} should be quad {q}");
                            at++;
                        }
                    if (at != got) throw new CheckFailedException($"Int8 zero quads k={k} density={density}: one row listed {got}, expected {at}");
                    got = Int8GemmZeroQuads.List4(pa, lda, quads, k, offsets, v0, v1, v2, v3);
                    at = 0;
                    for (int q = 0; q < quads; q++)
                        if ((Quad(0, q) | Quad(1, q) | Quad(2, q) | Quad(3, q)) != 0)
                        {
                            if (at >= got || offsets[at] != 64 * q || v0[at] != Quad(0, q) || v1[at] != Quad(1, q) || v2[at] != Quad(2, q) || v3[at] != Quad(3, q))
                                throw new CheckFailedException($"Int8 zero quads k={k} density={density}: 4 rows' entry {at} should be quad {q}");
                            at++;
                        }
                    if (at != got) throw new CheckFailedException($"Int8 zero quads k={k} density={density}: 4 rows listed {got}, expected {at}");
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
