namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Conv.ConvMicroKernel"/> (and its AVX-512 forms): for i &lt; m, j &lt; n,
/// C[i·ldc + j] = max?(C₀ + bias[j] + Σ_r A[rowOff[i] + colOff[r]] · B[r·ldb + j], 0), where C₀ is C's old
/// value when accumulating (else 0), bias[j] is 0 without a bias, and the ReLU applies only when asked.
/// Sums in double.
/// </summary>
internal static class NaiveConvMicroKernel
{
    public static void Run(ReadOnlySpan<float> a, ReadOnlySpan<int> rowOff, ReadOnlySpan<int> colOff, int kred,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, ReadOnlySpan<float> bias, bool accumulate, bool relu)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = (accumulate ? c[i * ldc + j] : 0.0) + (bias.IsEmpty ? 0.0 : bias[j]);
                for (int r = 0; r < kred; r++)
                    sum += (double)a[rowOff[i] + colOff[r]] * b[r * ldb + j];
                float v = (float)sum;
                c[i * ldc + j] = relu ? Math.Max(v, 0f) : v;
            }
    }
}
