namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="BatchedGemm"/>: for i in [0, batch), the product of
/// <see cref="NaiveGemm"/> on the matrices starting at i·strideA, i·strideB and i·strideC.
/// </summary>
internal static class NaiveBatchedGemm
{
    public static void Multiply(int batch, bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        Span<float> c, int ldc, int strideC, bool accumulate)
    {
        for (int i = 0; i < batch; i++)
            for (int r = 0; r < m; r++)
                for (int col = 0; col < n; col++)
                {
                    int ci = i * strideC + r * ldc + col;
                    double sum = accumulate ? c[ci] : 0.0;
                    for (int p = 0; p < k; p++)
                    {
                        float av = transA ? a[i * strideA + p * lda + r] : a[i * strideA + r * lda + p];
                        float bv = transB ? b[i * strideB + col * ldb + p] : b[i * strideB + p * ldb + col];
                        sum += (double)av * bv;
                    }
                    c[ci] = (float)sum;
                }
    }
}
