using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Tiles of 12×32 and 4×32 for a recurrent step's product over a row group (StepProduct): A read in
// place (row r at a + r·lda, k along the row), B one packed 32-wide micro-panel of GemmPackedB.
// The 12×32 tile keeps 24 zmm accumulators (plus two for B: 26 of 32 registers) and needs 14 loads
// (2 of B, 12 broadcasts of A) per 24 multiply-adds; the driver's 8×32 tile needs 10 per 16. A group
// of 16 rows runs as 12 + 4 rows instead of 8 + 8: each micro-panel of B (32 KB at k = 256, 64 KB at
// Kc = 512 on Intel, above its 48 KB L1) is read from L2 for 12 rows instead of 8.
// Same bits as GemmMicroKernel512.RunInPlaceA: each accumulator lane is one element of C summed from
// zero over k in order by one fused multiply-add per product, then stored or added to C (one IEEE
// addition), exactly the 8×32 tile's sequence; only which rows share a loop differs.

/// <summary>12×32 and 4×32 tiles of C (+)= A·B, A in place, B a packed 32-wide micro-panel; see the notes above.</summary>
internal static unsafe class StepTileKernel512
{
    /// <summary>Columns of a tile (a micro-panel of GemmMicroKernel512).</summary>
    public const int Nr = 32;

    /// <summary>C[0..12, 0..32) (+)= A[0..12, 0..kc)·B, rows of A at a + r·lda.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run12(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate)
    {
        Prefetch(c, ldc, 12);
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        float* a8 = a + 8 * lda, a9 = a + 9 * lda, a10 = a + 10 * lda, a11 = a + 11 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<float> ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (nint p = 0; p < kc; p++, b += Nr)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(ar, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(ar, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(ar, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(ar, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(ar, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(ar, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a6[p]);
            c60 = Vector512.FusedMultiplyAdd(ar, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a7[p]);
            c70 = Vector512.FusedMultiplyAdd(ar, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a8[p]);
            c80 = Vector512.FusedMultiplyAdd(ar, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a9[p]);
            c90 = Vector512.FusedMultiplyAdd(ar, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(ar, b1, c91);
            ar = Vector512.Create(a10[p]);
            ca0 = Vector512.FusedMultiplyAdd(ar, b0, ca0);
            ca1 = Vector512.FusedMultiplyAdd(ar, b1, ca1);
            ar = Vector512.Create(a11[p]);
            cb0 = Vector512.FusedMultiplyAdd(ar, b0, cb0);
            cb1 = Vector512.FusedMultiplyAdd(ar, b1, cb1);
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
        Store(c + 8 * ldc, c80, c81, accumulate);
        Store(c + 9 * ldc, c90, c91, accumulate);
        Store(c + 10 * ldc, ca0, ca1, accumulate);
        Store(c + 11 * ldc, cb0, cb1, accumulate);
    }

    /// <summary>C[0..4, 0..32) (+)= A[0..4, 0..kc)·B, rows of A at a + r·lda.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run4(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate)
    {
        Prefetch(c, ldc, 4);
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (nint p = 0; p < kc; p++, b += Nr)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(ar, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(ar, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(ar, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(ar, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ar, b1, c31);
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* c, nint ldc, int rows)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
            Sse.Prefetch0(c + 31);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }
}
