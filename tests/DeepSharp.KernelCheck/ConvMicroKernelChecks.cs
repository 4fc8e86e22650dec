using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The convolution micro-kernel against its twin at every row-block size it picks (9, 8, 4, 1 rows;
/// 16, 8, 4, 1 rows for a block of at most 16 columns, with 8 columns stored from registers too)
/// and the short-reduction kernel for K ≤ 9), with and without bias, accumulation and ReLU, for
/// column counts that fill whole blocks and ones that do not, through scattered offset tables.
/// </summary>
public static class ConvMicroKernelChecks
{
    private static readonly int[] Rows = [0, 1, 3, 4, 5, 8, 9, 12, 13, 17, 31];
    private static readonly int[] Reductions = [0, 1, 2, 5, 8, 9, 10, 17, 33];
    private static readonly int[] Columns = [1, 5, 8, 16, 17, 32, 33, 40, 64, 70];

    public static unsafe void MatchesTwin()
    {
        int seed = 0, flags = 0;
        foreach (int m in Rows)
            foreach (int kred in Reductions)
                foreach (int n in Columns)
                {
                    flags++;
                    bool accumulate = flags % 3 == 0, relu = flags % 2 == 0, withBias = flags % 5 != 0;
                    int np = ConvMicroKernel.Padded(n), ldb = np + (flags % 4 == 0 ? 0 : ConvMicroKernel.BlockWidth), ldc = n + flags % 3;
                    // A is read through scattered offsets: row i at 3·i + (i % 2), column r at (m + 2)·3·r.
                    var rowOff = new int[Math.Max(m, 1)];
                    var colOff = new int[Math.Max(kred, 1)];
                    for (int i = 0; i < m; i++) rowOff[i] = 3 * i + i % 2;
                    for (int r = 0; r < kred; r++) colOff[r] = (m + 2) * 3 * r;
                    var a = Check.Random(3 * m + 2 + (m + 2) * 3 * Math.Max(kred, 1), ++seed);
                    var b = Check.Random(Math.Max(kred, 1) * ldb, ++seed);
                    for (int r = 0; r < kred; r++) Array.Clear(b, r * ldb + n, ldb - n); // rows zero-padded past n
                    var bias = withBias ? Check.Random(np, ++seed) : [];
                    if (withBias) Array.Clear(bias, n, np - n);
                    var expected = Check.Random(Math.Max(m, 1) * ldc + np, ++seed);
                    var actual = (float[])expected.Clone();
                    NaiveConvMicroKernel.Run(a, rowOff, colOff, kred, b, ldb, expected, ldc, m, n, bias, accumulate, relu);
                    fixed (float* pa = a, pb = b, pc = actual, pbias = bias)
                    fixed (int* pr = rowOff, pk = colOff)
                        ConvMicroKernel.Run(pa, pr, pk, kred, pb, ldb, np, pc, ldc, m, n, withBias ? pbias : null, accumulate, relu);
                    Check.Close(expected, actual, 1e-4f, 1e-4f,
                        $"conv micro-kernel m={m} k={kred} n={n} ldb={ldb} ldc={ldc} bias={withBias} accumulate={accumulate} relu={relu}");
                }
    }
}
