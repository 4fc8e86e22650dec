using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Vector128 micro-kernel: a 6×8 tile held in 12 accumulators (2 vectors per row); fused where the CPU has FMA.</summary>
internal readonly unsafe struct GemmMicroKernel128 : IGemmMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 8;

    [MethodImpl(MethodImplOptions.NoInlining)] // own compilation: accumulators in registers (see GemmMicroKernel512)
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += 6, b += 8)
        {
            Vector128<float> b0 = Vector128.Load(b), b1 = Vector128.Load(b + 4);
            Vector128<float> ar = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ar, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ar, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ar, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ar, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(ar, b1, c31);
            ar = Vector128.Create(a[4]);
            c40 = Vector128.MultiplyAddEstimate(ar, b0, c40);
            c41 = Vector128.MultiplyAddEstimate(ar, b1, c41);
            ar = Vector128.Create(a[5]);
            c50 = Vector128.MultiplyAddEstimate(ar, b0, c50);
            c51 = Vector128.MultiplyAddEstimate(ar, b1, c51);
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> v0, Vector128<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector128.Load(c);
            v1 += Vector128.Load(c + 4);
        }
        v0.Store(c);
        v1.Store(c + 4);
    }
}
