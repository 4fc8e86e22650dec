namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Gemm"/>: C = op(A)·op(B) (+ C when accumulating), with
/// row-major storage. op(A) is m×k: A is stored m×k (lda ≥ k) or, transposed, k×m (lda ≥ m).
/// op(B) is k×n: B is stored k×n (ldb ≥ n) or, transposed, n×k (ldb ≥ k). C is m×n (ldc ≥ n).
/// Sums run in double so that the twin is a tight oracle.
/// </summary>
internal static class NaiveGemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                c[i * ldc + j] = (float)sum;
            }
    }
}
