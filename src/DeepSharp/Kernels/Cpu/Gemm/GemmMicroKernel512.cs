using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

/// <summary>AVX-512 micro-kernel: a 8×32 tile held in 16 zmm accumulators (2 vectors per row).</summary>
/// <remarks>
/// The entry points are never inlined: inlined into the large driver methods (a region's loop
/// nest, the worker pool's loop with the region devirtualised into it), the tile loop was at the
/// mercy of the caller's register allocation, and some of those compilations kept 4 of the 16
/// accumulators on the stack inside the k loop (a store and a reload per step each), which ran
/// 512³ on two threads at 35–45 % of the peak on Zen 4 (perf; the same code at 85–96 % in other
/// compilations). Compiled on its own, each loop holds all 16 in registers; a call per tile
/// (~4,000 cycles of work at kc = 256) measured within the noise even for K = 10–32 products.
/// The packed-A and row-major-A loops have twins that also ask for B's lines a few k steps ahead
/// (<see cref="RunPrefetchB"/>, <see cref="RunInPlaceAPrefetchB"/>; on Intel, see
/// <see cref="GemmBlocking.PrefetchBDistance"/>): separate entry points, so each loop compiles alone.
/// </remarks>
internal readonly unsafe struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int Mr => 8;
    public static int Nr => 32;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate) =>
        RunStrided(kc, a, 8, b, c, ldc, accumulate, false, null, false, 0);

    /// <summary>
    /// As <see cref="Run"/>, with the A micro-panel's k steps <paramref name="lda"/> floats apart
    /// instead of 8: a transposed row-major A read in place (k along its rows, the tile's 8 rows of
    /// op(A) 8 contiguous floats of each row) is a packed panel with step = lda. Same products, same
    /// order, so the same bits as packing it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunTransposedA(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate) =>
        RunStrided(kc, a, lda, b, c, ldc, accumulate, false, null, false, 0);

    /// <summary>
    /// As <see cref="RunTransposedA"/>, asking at each k step for the line at
    /// <paramref name="ahead"/> + p·lda to be brought into L2 (a later row panel of the same
    /// transposed A, see <see cref="GemmBlocking.PrefetchTransposedA"/>). Same products, same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunTransposedAPrefetch(int kc, float* a, nint lda, float* ahead, float* b, float* c, nint ldc, bool accumulate) =>
        RunStrided(kc, a, lda, b, c, ldc, accumulate, true, ahead, false, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunStrided(int kc, float* a, nint step, float* b, float* c, nint ldc, bool accumulate, bool prefetch, float* ahead, bool prefetchB, nint distance)
    {
        PrefetchTile(c, ldc);
        float* bAhead = b + distance * 32;
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (int p = 0; p < kc; p++, a += step, b += 32)
        {
            if (prefetch) // a constant: the loops without it compile without it
            {
                Sse.Prefetch1(ahead);
                ahead += step;
            }
            if (prefetchB) // a constant as well
            {
                Sse.Prefetch0(bAhead);
                Sse.Prefetch0(bAhead + 16);
                bAhead += 32;
            }
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ar, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ar, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ar, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ar, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ar, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ar, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ar, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ar, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(ar, b1, c71);
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
    }

    /// <summary>
    /// As <see cref="Run"/>, with A read in place from a row-major matrix (row r of the tile at
    /// a + r·lda, k along the row) instead of a packed micro-panel: the same products summed in the
    /// same order, so the same bits. Saves packing A when it is not transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunInPlaceA(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate) =>
        InPlaceA(kc, a, lda, b, c, ldc, accumulate, false, 0);

    /// <summary>
    /// As <see cref="RunInPlaceA"/>, asking at each k step for B's two lines
    /// <paramref name="distance"/> k steps ahead (see <see cref="GemmBlocking.PrefetchBDistance"/>).
    /// Same products, same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunInPlaceAPrefetchB(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate, nint distance) =>
        InPlaceA(kc, a, lda, b, c, ldc, accumulate, true, distance);

    /// <summary>As <see cref="Run"/>, asking for B's lines <paramref name="distance"/> k steps ahead.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunPrefetchB(int kc, float* a, float* b, float* c, nint ldc, bool accumulate, nint distance) =>
        RunStrided(kc, a, 8, b, c, ldc, accumulate, false, null, true, distance);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InPlaceA(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate, bool prefetchB, nint distance)
    {
        PrefetchTile(c, ldc);
        float* bAhead = b + distance * 32;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (nint p = 0; p < kc; p++, b += 32)
        {
            if (prefetchB) // a constant: the loop without it compiles without it
            {
                Sse.Prefetch0(bAhead);
                Sse.Prefetch0(bAhead + 16);
                bAhead += 32;
            }
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
        }
        Store(c, c00, c01, accumulate);
        Store(c + 1 * ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate);
        Store(c + 7 * ldc, c70, c71, accumulate);
    }

    /// <summary>
    /// The left half of an 8×32 tile (8×16, 8 zmm accumulators) for C's last columns when at most
    /// 16 remain: B is still a packed 32-wide micro-panel (k steps 32 floats apart, only the first 16
    /// read); A is a packed panel or a transposed A in place (k steps <paramref name="step"/> apart,
    /// 8 rows contiguous) or, with <paramref name="rowsInPlace"/>, a row-major A in place (row r at
    /// a + r·step). The same products summed in the same order as the full tile's first 16 columns,
    /// so the same bits, for half the multiply-adds (the full tile computed 16 columns of padding).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RunHalf(int kc, float* a, nint step, bool rowsInPlace, float* b, float* c, nint ldc, bool accumulate)
    {
        if (rowsInPlace) RunHalfInPlaceA(kc, a, step, b, c, ldc, accumulate);
        else RunHalfStrided(kc, a, step, b, c, ldc, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunHalfStrided(int kc, float* a, nint step, float* b, float* c, nint ldc, bool accumulate)
    {
        PrefetchHalfTile(c, ldc);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++, a += step, b += 32)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
        }
        StoreHalves(c, ldc, c0, c1, c2, c3, c4, c5, c6, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunHalfInPlaceA(int kc, float* a, nint lda, float* b, float* c, nint ldc, bool accumulate)
    {
        PrefetchHalfTile(c, ldc);
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (nint p = 0; p < kc; p++, b += 32)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[p]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[p]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[p]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[p]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[p]), b0, c7);
        }
        StoreHalves(c, ldc, c0, c1, c2, c3, c4, c5, c6, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalves(float* c, nint ldc, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3,
        Vector512<float> c4, Vector512<float> c5, Vector512<float> c6, Vector512<float> c7, bool accumulate)
    {
        StoreOne(c, c0, accumulate);
        StoreOne(c + 1 * ldc, c1, accumulate);
        StoreOne(c + 2 * ldc, c2, accumulate);
        StoreOne(c + 3 * ldc, c3, accumulate);
        StoreOne(c + 4 * ldc, c4, accumulate);
        StoreOne(c + 5 * ldc, c5, accumulate);
        StoreOne(c + 6 * ldc, c6, accumulate);
        StoreOne(c + 7 * ldc, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne(float* c, Vector512<float> v, bool accumulate)
    {
        if (accumulate) v += Vector512.Load(c);
        v.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchHalfTile(float* c, nint ldc)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < 8; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 15);
        }
    }

    /// <summary>
    /// Asks for the tile's 8 rows of C (128 bytes each, up to 3 cache lines when unaligned) before
    /// the k loop, so that the loads and stores after it hit the cache: at 1024³–2048³ C does not
    /// fit in L2 and each tile's rows would otherwise miss at the end of a 2,000-cycle loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < 8; r++, c += ldc)
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
