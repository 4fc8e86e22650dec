using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Single-precision matrix multiply; see <see cref="NaiveGemm"/> for the exact contract.</summary>
public static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
        => NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}
