using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Scalar micro-kernel for CPUs (or runs) without SIMD: a 4×4 tile in 16 locals.</summary>
internal readonly unsafe struct GemmMicroKernelScalar : IGemmMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 4;

    [MethodImpl(MethodImplOptions.NoInlining)] // own compilation: accumulators in registers (see GemmMicroKernel512)
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++, a += 4, b += 4)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        Store(c, c00, c01, c02, c03, accumulate);
        Store(c + ldc, c10, c11, c12, c13, accumulate);
        Store(c + 2 * ldc, c20, c21, c22, c23, accumulate);
        Store(c + 3 * ldc, c30, c31, c32, c33, accumulate);
    }

    private static void Store(float* c, float v0, float v1, float v2, float v3, bool accumulate)
    {
        if (accumulate)
        {
            v0 += c[0];
            v1 += c[1];
            v2 += c[2];
            v3 += c[3];
        }
        c[0] = v0;
        c[1] = v1;
        c[2] = v2;
        c[3] = v3;
    }
}
