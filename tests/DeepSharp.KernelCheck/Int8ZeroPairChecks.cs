using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The 512-bit <c>vpmaddwd</c> GEMM that lists the non-zero pairs of its u8 rows
/// (<see cref="Int8GemmZeroPairs"/>) against the naive GEMM, bit for bit: rows 0–7, 13, 63–65 (groups of
/// 4 and the rows after them), K odd and even around the 32-byte widening step (1 … 5,408), N from 1
/// to 144 (groups of 4 tiles, single tiles, partial last tiles), A strides past K, densities from all
/// zero to none zero, the extremes 255 × 127/−128 (the largest sums), and garbage between and after the
/// rows; the lists themselves entry by entry. Called directly and through <see cref="Int8Gemm.MultiplyRows"/>
/// (read in place or not) on every supported path. Where AVX-512BW is absent (SimdPathTests' child
/// processes) Applies is false and the other paths run the same shapes.
/// </summary>
public static class Int8ZeroPairChecks
{
    private static readonly int[] Rows = [0, 1, 2, 3, 4, 5, 6, 7, 13, 63, 64, 65];
    private static readonly int[] Depths = [1, 2, 3, 31, 32, 33, 34, 63, 64, 65, 97, 255, 256, 257, 1000, 5408];
    private static readonly int[] Channels = [1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 80, 96, 112, 128, 144];
    private static readonly double[] Densities = [0, 0.05, 0.41, 0.61, 1];

    public static void ZeroPairGemmMatchesTwin()
    {
        int seed = 9700;
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

    public static void ZeroPairGemmCoversEveryChannelCount()
    {
        int seed = 9800;
        foreach (int n in Channels)
            foreach (int m in new[] { 1, 4, 9 })
            {
                seed++;
                int k = Depths[seed % Depths.Length];
                var a = Sparse(m, k, k, Densities[seed % Densities.Length], seed);
                var w = Int8Checks.RandomWeights(k * n, seed + 1);
                Compare(m, n, k, a, k, w, $"channels m={m} n={n} k={k}");
            }
    }

    public static void ZeroPairGemmIsExactAtTheExtremes()
    {
        foreach (int k in new[] { 1, 2, 7, 33, 64, 5408, 9999 })
            foreach (sbyte value in new sbyte[] { 127, -128 })
                foreach (bool alternate in new[] { false, true })
                {
                    // Every byte 255 (or every other pair 255, the rest zero): the largest sums of each sign.
                    int m = 5, n = 80;
                    var a = new byte[m * k + Int8Gemm.Slack];
                    for (int i = 0; i < m * k; i++) a[i] = !alternate || (i % k) / 2 % 2 == 0 ? (byte)255 : (byte)0;
                    var w = new sbyte[k * n];
                    Array.Fill(w, value);
                    Compare(m, n, k, a, k, w, $"extreme k={k} w={value} alternate={alternate}");
                }
    }

    public static unsafe void ZeroPairListsAreExact()
    {
        // The lists the kernels run over: for one row every non-zero pair, for 4 rows every pair
        // non-zero in any of them, in order, with its offset in a weight tile (64 bytes per pair) and
        // each row's two bytes as int16 (an odd K's last pair with a zero high half).
        if (!Int8GemmZeroPairs.Applies(Int8Weights.Pack(new sbyte[16], 1, 16, Int8Paths.Best))) return;
        int seed = 9900;
        foreach (int k in new[] { 1, 2, 3, 31, 32, 33, 63, 64, 65, 200, 257, 1000 })
            foreach (double density in Densities)
            {
                seed++;
                int lda = k + seed % 3;
                var a = Sparse(4, k, lda, density, seed);
                int pairs = (k + 1) / 2, entries = pairs + 16;
                int Pair(int r, int p) => a[r * lda + 2 * p] | (2 * p + 1 < k ? a[r * lda + 2 * p + 1] << 16 : 0);
                var buffer = new int[5 * entries];
                fixed (byte* pa = a)
                fixed (int* pb = buffer)
                {
                    int* offsets = pb, v0 = pb + entries, v1 = v0 + entries, v2 = v1 + entries, v3 = v2 + entries;
                    int got = Int8GemmZeroPairs.List(pa, pairs, k, v0, offsets), at = 0;
                    for (int p = 0; p < pairs; p++)
                        if (Pair(0, p) != 0)
                        {
                            if (at >= got || v0[at] != Pair(0, p) || offsets[at] != 64 * p)
                                throw new CheckFailedException($"Int8 zero pairs k={k} density={density}: one row's entry {at} should be pair {p}");
                            at++;
                        }
                    if (at != got) throw new CheckFailedException($"Int8 zero pairs k={k} density={density}: one row listed {got}, expected {at}");
                    got = Int8GemmZeroPairs.List4(pa, lda, pairs, k, offsets, v0, v1, v2, v3);
                    at = 0;
                    for (int p = 0; p < pairs; p++)
                        if ((Pair(0, p) | Pair(1, p) | Pair(2, p) | Pair(3, p)) != 0)
                        {
                            if (at >= got || offsets[at] != 64 * p || v0[at] != Pair(0, p) || v1[at] != Pair(1, p) || v2[at] != Pair(2, p) || v3[at] != Pair(3, p))
                                throw new CheckFailedException($"Int8 zero pairs k={k} density={density}: 4 rows' entry {at} should be pair {p}");
                            at++;
                        }
                    if (at != got) throw new CheckFailedException($"Int8 zero pairs k={k} density={density}: 4 rows listed {got}, expected {at}");
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
            foreach (bool readable in new[] { false, true })
            {
                Array.Fill(actual, 12345); // C is overwritten, never added to
                fixed (byte* pa = a)
                fixed (int* pc = actual)
                    Int8Gemm.MultiplyRows(pa, lda, m, packed, pc, n, readable);
                Check.Equal<int>(expected, actual, $"Int8 GEMM {path} readable={readable} {context}");
            }
            if (!Int8GemmZeroPairs.Applies(packed)) continue;
            Array.Fill(actual, -777);
            fixed (byte* pa = a)
            fixed (int* pc = actual)
                Int8GemmZeroPairs.MultiplyRows(pa, lda, m, packed, pc, n);
            Check.Equal<int>(expected, actual, $"Int8 GEMM skipping zero pairs {context}");
        }
    }

    /// <summary>
    /// m rows of k bytes (stride lda) in which each pair is non-zero with probability
    /// <paramref name="density"/> (its bytes random, 255 and 0 over-represented, so one byte of a
    /// live pair is often zero), garbage between and after the rows.
    /// </summary>
    private static byte[] Sparse(int m, int k, int lda, double density, int seed)
    {
        var rng = new Random(seed);
        var a = new byte[Math.Max(0, (m - 1) * lda + k) + Int8Gemm.Slack];
        rng.NextBytes(a);
        for (int r = 0; r < m; r++)
            for (int p = 0; p < k; p += 2)
            {
                bool live = rng.NextDouble() < density;
                for (int i = p; i < Math.Min(k, p + 2); i++)
                    a[r * lda + i] = live ? (byte)(rng.Next(4) == 0 ? rng.Next(2) * 255 : rng.Next(256)) : (byte)0;
            }
        return a;
    }
}
