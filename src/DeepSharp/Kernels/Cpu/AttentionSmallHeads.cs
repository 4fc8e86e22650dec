using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A small model's heads (the char-GPT's: 64 queries, 64 keys, 32 features) cost far more in
// AttentionHead's general path than their arithmetic: per block of rows it makes five GEMM calls of
// 64×64×32 (each validated, dispatched, B packed, edge tiles) and a softmax whose e^x widens to double.
// Measured on Zen 4, one thread, B 32 × H 4 heads, causal: forward 2.54 ms (13 GFLOP/s on the causal
// products), backward 2.35 ms (29 GFLOP/s). Here, for heads without a padding mask or dropout whose
// Dk and Dv are multiples of 16 (512-bit CPUs), one head runs as register-blocked 512-bit loops over
// its rows read in place (leading dimension H·D):
//   Kᵀ (backward: Vᵀ) transposed once per head into scratch: D × Tk, Tk rounded up to whole vectors;
//   S = Q·Kᵀ      4 query rows × up to 4 key vectors (64 keys) per pass, over Dk; a causal group of
//                 rows stops at the last vector its last row may see, so a causal head does about half;
//   P = softmax(scale·S) per row over its visible keys, e^x by FloatExp (float arithmetic, 1 ulp);
//                 a row's hidden keys become exact zeros, and the rows' sums add lanes in a fixed order;
//   O = P·V       8 query rows × 2 column vectors (32 features) per pass, over the visible keys;
//   backward:     dV += Pᵀ·dO and dK += dSᵀ·Q as 8 key rows × 2 column vectors over the query rows that
//                 may see them; dP = dO·Vᵀ as S; dS = scale·P∘(dP − Σ dP∘P) per row; dQ += dS·K as O.
// Every output element is summed in one order whatever the thread count (heads are independent), so
// the bits do not depend on it. The order of the sums and the e^x differ from the general path's:
// both agree with NaiveAttention to float rounding (AttentionChecks.SmallHeadsMatchTwin). Which path a
// head takes depends on its shape and the instruction set only, never on the thread count.

/// <summary>One attention head by 512-bit register blocks, for small heads without mask or dropout; see <see cref="Attention"/>.</summary>
internal static unsafe class AttentionSmallHeads
{
    private const int W = 16; // floats per Vector512

    /// <summary>Rows per block: S and dS of one block live in scratch (RowBlock × Tk).</summary>
    private const int RowBlock = AttentionHead.RowBlock;

    /// <summary>Largest head (Tq·Tk·(Dk + Dv) multiply-adds) and key count taken; larger heads keep the general path, whose GEMMs spread over threads.</summary>
    internal const long MaxHeadWork = 1L << 22;
    internal const int MaxKeys = 1024;

    /// <summary>Whether <see cref="Forward"/>/<see cref="Backward"/> serve this call (shape and instruction set only).</summary>
    public static bool Applies(in AttentionArgs a)
    {
        ref readonly var g = ref a.G;
        return Vector512.IsHardwareAccelerated && a.Mask is null && a.Dropout is null
            && g.KeyDim > 0 && g.KeyDim % W == 0 && g.ValueDim > 0 && g.ValueDim % W == 0
            && g.KeyLength is > 0 and <= MaxKeys
            && (long)g.QueryLength * g.KeyLength * (g.KeyDim + g.ValueDim) <= MaxHeadWork;
    }

    public static void Forward(in AttentionArgs a, int head)
    {
        ref readonly var g = ref a.G;
        var at = AttentionHead.Offsets(g, head);
        AttentionHead.AssertHead(a, head, at);
        int tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim, ld = RoundUp(tk);
        nint ldq = g.QueryLd, ldk = g.KeyLd, ldv = g.ValueLd, ldo = (nint)g.Heads * dv;
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V, o = a.O + at.O;
        long block = (long)tq * tk;
        KernelBounds.Range(at.O, AttentionHead.Extent(tq, dv, (int)ldo), g.OutputSize);
        float* kt = Scratch.Floats(Scratch.TileC, (long)dk * ld);
        Transpose(k, ldk, tk, dk, kt, ld);
        float* s = Scratch.Floats(Scratch.TileA, (long)Math.Min(RowBlock, tq) * ld);
        for (int i0 = 0; i0 < tq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, tq - i0);
            for (int r = 0; r < rows; r += 4)
            {
                int n = Math.Min(4, rows - r);
                Products(q + (i0 + r) * ldq, ldq, n, dk, kt, ld, RoundUp(g.VisibleKeys(i0 + r + n - 1)), s + (nint)r * ld, ld);
            }
            for (int r = 0; r < rows; r++)
            {
                float* row = s + (nint)r * ld;
                SoftmaxRow(row, g.VisibleKeys(i0 + r), g.Scale, ld);
                if (a.P is not null) new ReadOnlySpan<float>(row, tk).CopyTo(new Span<float>(a.P + head * block + (long)(i0 + r) * tk, tk));
            }
            for (int r = 0; r < rows; r += 8)
            {
                int n = Math.Min(8, rows - r);
                Weighted(s + (nint)r * ld, ld, n, g.VisibleKeys(i0 + r + n - 1), v, ldv, dv, o + (i0 + r) * ldo, ldo, accumulate: false);
            }
        }
    }

    public static void Backward(in AttentionArgs a, int head)
    {
        ref readonly var g = ref a.G;
        var at = AttentionHead.Offsets(g, head);
        AttentionHead.AssertHead(a, head, at);
        int tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim, ld = RoundUp(tk);
        nint ldq = g.QueryLd, ldk = g.KeyLd, ldv = g.ValueLd, ldo = (nint)g.Heads * dv;
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V, dO = a.DO + at.O;
        long block = (long)tq * tk;
        bool needS = a.DQ is not null || a.DK is not null;
        float* vt = null, ds = null;
        if (needS)
        {
            vt = Scratch.Floats(Scratch.TileC, (long)dv * ld);
            Transpose(v, ldv, tk, dv, vt, ld);
            ds = Scratch.Floats(Scratch.TileA, (long)Math.Min(RowBlock, tq) * ld);
        }
        for (int i0 = 0; i0 < tq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, tq - i0), keys = g.VisibleKeys(i0 + rows - 1);
            float* p = a.P + head * block + (long)i0 * tk;
            float* dOb = dO + i0 * ldo;
            // The first row of the block that may see key j: j − offset − i0 when causal, else row 0.
            int shift = g.Causal ? g.CausalOffset + i0 : int.MaxValue / 2;
            if (a.DV is not null) // dV += Pᵀ·dO
                TransposedWeighted(p, tk, rows, keys, shift, dOb, ldo, dv, a.DV + at.V, ldv);
            if (!needS) continue;
            for (int r = 0; r < rows; r += 4) // dP = dO·Vᵀ
            {
                int n = Math.Min(4, rows - r);
                Products(dOb + r * ldo, ldo, n, dv, vt, ld, RoundUp(g.VisibleKeys(i0 + r + n - 1)), ds + (nint)r * ld, ld);
            }
            for (int r = 0; r < rows; r++)
                SoftmaxBackwardRow(ds + (nint)r * ld, p + (long)r * tk, tk, g.Scale, g.VisibleKeys(i0 + r), ld);
            if (a.DQ is not null) // dQ += dS·K
                for (int r = 0; r < rows; r += 8)
                {
                    int n = Math.Min(8, rows - r);
                    Weighted(ds + (nint)r * ld, ld, n, g.VisibleKeys(i0 + r + n - 1), k, ldk, dk, a.DQ + at.Q + (i0 + r) * ldq, ldq, accumulate: true);
                }
            if (a.DK is not null) // dK += dSᵀ·Q
                TransposedWeighted(ds, ld, rows, keys, shift, q + i0 * ldq, ldq, dk, a.DK + at.K, ldk);
        }
    }

    private static int RoundUp(int n) => (n + W - 1) / W * W;

    /// <summary>dst[c, r] = src[r, c] for rows×cols src (leading dimension lds); dst columns rows..ld−1 are zeros.</summary>
    private static void Transpose(float* src, nint lds, int rows, int cols, float* dst, int ld)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = src + r * lds;
            for (int c = 0; c < cols; c++) dst[(nint)c * ld + r] = row[c];
        }
        if (rows < ld)
            for (int c = 0; c < cols; c++) new Span<float>(dst + (nint)c * ld + rows, ld - rows).Clear();
    }

    /// <summary>
    /// out[r, 0..cols) = Σ_d a[r, d]·bt[d, 0..cols) for n ≤ 4 rows of a (leading dimension lda);
    /// bt is depth × ldb, cols a multiple of 16, at most ldb. Done in passes of up to 64 columns.
    /// </summary>
    private static void Products(float* a, nint lda, int n, int depth, float* bt, int ldb, int cols, float* output, int ldo)
    {
        for (int j0 = 0; j0 < cols; j0 += 4 * W)
        {
            switch (Math.Min(4, (cols - j0) / W))
            {
                case 4: ProductsPass<V4>(a, lda, n, depth, bt + j0, ldb, output + j0, ldo); break;
                case 3: ProductsPass<V3>(a, lda, n, depth, bt + j0, ldb, output + j0, ldo); break;
                case 2: ProductsPass<V2>(a, lda, n, depth, bt + j0, ldb, output + j0, ldo); break;
                default: ProductsPass<V1>(a, lda, n, depth, bt + j0, ldb, output + j0, ldo); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ProductsPass<TV>(float* a, nint lda, int n, int depth, float* bt, int ldb, float* output, int ldo)
        where TV : struct, IVectorCount
    {
        // Rows past n repeat the last row (computed, never stored).
        float* a0 = a, a1 = a + Math.Min(1, n - 1) * lda, a2 = a + Math.Min(2, n - 1) * lda, a3 = a + Math.Min(3, n - 1) * lda;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* b = bt;
        for (int d = 0; d < depth; d++, b += ldb)
        {
            var b0 = Vector512.Load(b);
            var b1 = TV.Count > 1 ? Vector512.Load(b + W) : default;
            var b2 = TV.Count > 2 ? Vector512.Load(b + 2 * W) : default;
            var b3 = TV.Count > 3 ? Vector512.Load(b + 3 * W) : default;
            var x = Vector512.Create(a0[d]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            if (TV.Count > 1) c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            if (TV.Count > 2) c02 = Vector512.FusedMultiplyAdd(x, b2, c02);
            if (TV.Count > 3) c03 = Vector512.FusedMultiplyAdd(x, b3, c03);
            x = Vector512.Create(a1[d]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            if (TV.Count > 1) c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            if (TV.Count > 2) c12 = Vector512.FusedMultiplyAdd(x, b2, c12);
            if (TV.Count > 3) c13 = Vector512.FusedMultiplyAdd(x, b3, c13);
            x = Vector512.Create(a2[d]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            if (TV.Count > 1) c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            if (TV.Count > 2) c22 = Vector512.FusedMultiplyAdd(x, b2, c22);
            if (TV.Count > 3) c23 = Vector512.FusedMultiplyAdd(x, b3, c23);
            x = Vector512.Create(a3[d]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            if (TV.Count > 1) c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            if (TV.Count > 2) c32 = Vector512.FusedMultiplyAdd(x, b2, c32);
            if (TV.Count > 3) c33 = Vector512.FusedMultiplyAdd(x, b3, c33);
        }
        StoreRow<TV>(output, c00, c01, c02, c03);
        if (n > 1) StoreRow<TV>(output + ldo, c10, c11, c12, c13);
        if (n > 2) StoreRow<TV>(output + 2 * ldo, c20, c21, c22, c23);
        if (n > 3) StoreRow<TV>(output + 3 * ldo, c30, c31, c32, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TV>(float* row, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
        where TV : struct, IVectorCount
    {
        v0.Store(row);
        if (TV.Count > 1) v1.Store(row + W);
        if (TV.Count > 2) v2.Store(row + 2 * W);
        if (TV.Count > 3) v3.Store(row + 3 * W);
    }

    /// <summary>
    /// out[r, 0..cols) (+)= Σ_{j &lt; keys} w[r, j]·b[j, 0..cols) for n ≤ 8 rows of w (leading
    /// dimension ldw); cols a multiple of 16, in passes of 32 columns (then 16).
    /// </summary>
    private static void Weighted(float* w, int ldw, int n, int keys, float* b, nint ldb, int cols, float* output, nint ldo, bool accumulate)
    {
        int c0 = 0;
        for (; c0 + 2 * W <= cols; c0 += 2 * W) WeightedPass<V2>(w, ldw, n, keys, b + c0, ldb, output + c0, ldo, accumulate);
        if (c0 < cols) WeightedPass<V1>(w, ldw, n, keys, b + c0, ldb, output + c0, ldo, accumulate);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WeightedPass<TV>(float* w, int ldw, int n, int keys, float* b, nint ldb, float* output, nint ldo, bool accumulate)
        where TV : struct, IVectorCount
    {
        float* w0 = w, w1 = w + Math.Min(1, n - 1) * ldw, w2 = w + Math.Min(2, n - 1) * ldw, w3 = w + Math.Min(3, n - 1) * ldw;
        float* w4 = w + Math.Min(4, n - 1) * ldw, w5 = w + Math.Min(5, n - 1) * ldw, w6 = w + Math.Min(6, n - 1) * ldw, w7 = w + Math.Min(7, n - 1) * ldw;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        float* bj = b;
        for (int j = 0; j < keys; j++, bj += ldb)
        {
            var b0 = Vector512.Load(bj);
            var b1 = TV.Count > 1 ? Vector512.Load(bj + W) : default;
            var x = Vector512.Create(w0[j]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            if (TV.Count > 1) c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(w1[j]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            if (TV.Count > 1) c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(w2[j]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            if (TV.Count > 1) c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(w3[j]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            if (TV.Count > 1) c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(w4[j]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            if (TV.Count > 1) c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(w5[j]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            if (TV.Count > 1) c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(w6[j]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            if (TV.Count > 1) c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(w7[j]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            if (TV.Count > 1) c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        Put<TV>(output, c00, c01, accumulate);
        if (n > 1) Put<TV>(output + ldo, c10, c11, accumulate);
        if (n > 2) Put<TV>(output + 2 * ldo, c20, c21, accumulate);
        if (n > 3) Put<TV>(output + 3 * ldo, c30, c31, accumulate);
        if (n > 4) Put<TV>(output + 4 * ldo, c40, c41, accumulate);
        if (n > 5) Put<TV>(output + 5 * ldo, c50, c51, accumulate);
        if (n > 6) Put<TV>(output + 6 * ldo, c60, c61, accumulate);
        if (n > 7) Put<TV>(output + 7 * ldo, c70, c71, accumulate);
    }

    /// <summary>
    /// out[j, 0..cols) += Σ_r w[r, j]·b[r, 0..cols) for the keys j &lt; keys, over the rows r &lt; rows
    /// that may see key j (from j − <paramref name="shift"/> on: the rows before it hold zeros there);
    /// 8 keys × 32 columns (then 16) per pass.
    /// </summary>
    private static void TransposedWeighted(float* w, int ldw, int rows, int keys, int shift, float* b, nint ldb, int cols, float* output, nint ldo)
    {
        for (int j0 = 0; j0 < keys; j0 += 8)
        {
            int n = Math.Min(8, keys - j0), first = (int)Math.Clamp((long)j0 - shift, 0, rows);
            int c0 = 0;
            for (; c0 + 2 * W <= cols; c0 += 2 * W)
                TransposedWeightedPass<V2>(w + j0, ldw, n, first, rows, b + c0, ldb, output + j0 * ldo + c0, ldo);
            if (c0 < cols) TransposedWeightedPass<V1>(w + j0, ldw, n, first, rows, b + c0, ldb, output + j0 * ldo + c0, ldo);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TransposedWeightedPass<TV>(float* w, int ldw, int n, int first, int rows, float* b, nint ldb, float* output, nint ldo)
        where TV : struct, IVectorCount
    {
        // Keys past n repeat the last key (computed, never stored), so no read passes the row's end.
        int k1 = Math.Min(1, n - 1), k2 = Math.Min(2, n - 1), k3 = Math.Min(3, n - 1), k4 = Math.Min(4, n - 1);
        int k5 = Math.Min(5, n - 1), k6 = Math.Min(6, n - 1), k7 = Math.Min(7, n - 1);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        float* wr = w + (nint)first * ldw, br = b + first * ldb;
        for (int r = first; r < rows; r++, wr += ldw, br += ldb)
        {
            var b0 = Vector512.Load(br);
            var b1 = TV.Count > 1 ? Vector512.Load(br + W) : default;
            var x = Vector512.Create(wr[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            if (TV.Count > 1) c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(wr[k1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            if (TV.Count > 1) c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(wr[k2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            if (TV.Count > 1) c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(wr[k3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            if (TV.Count > 1) c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(wr[k4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            if (TV.Count > 1) c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(wr[k5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            if (TV.Count > 1) c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(wr[k6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            if (TV.Count > 1) c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(wr[k7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            if (TV.Count > 1) c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        Put<TV>(output, c00, c01, accumulate: true);
        if (n > 1) Put<TV>(output + ldo, c10, c11, accumulate: true);
        if (n > 2) Put<TV>(output + 2 * ldo, c20, c21, accumulate: true);
        if (n > 3) Put<TV>(output + 3 * ldo, c30, c31, accumulate: true);
        if (n > 4) Put<TV>(output + 4 * ldo, c40, c41, accumulate: true);
        if (n > 5) Put<TV>(output + 5 * ldo, c50, c51, accumulate: true);
        if (n > 6) Put<TV>(output + 6 * ldo, c60, c61, accumulate: true);
        if (n > 7) Put<TV>(output + 7 * ldo, c70, c71, accumulate: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV>(float* row, Vector512<float> v0, Vector512<float> v1, bool accumulate) where TV : struct, IVectorCount
    {
        if (accumulate)
        {
            v0 += Vector512.Load(row);
            if (TV.Count > 1) v1 += Vector512.Load(row + W);
        }
        v0.Store(row);
        if (TV.Count > 1) v1.Store(row + W);
    }

    /// <summary>Lanes of a vector starting at element <paramref name="j"/> that lie before <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Before(int j, int end) =>
        Vector512.LessThan(Vector512<int>.Indices + Vector512.Create(j), Vector512.Create(end)).AsSingle();

    /// <summary>
    /// row ← softmax(scale·row) over its first <paramref name="visible"/> entries, zeros from there to
    /// <paramref name="ld"/>. Entries up to <paramref name="visible"/> rounded up to a vector must be finite.
    /// </summary>
    private static void SoftmaxRow(float* row, int visible, float scale, int ld)
    {
        if (visible <= 0)
        {
            new Span<float>(row, ld).Clear();
            return;
        }
        int end = RoundUp(visible);
        var vscale = Vector512.Create(scale);
        var vmax = Vector512.Create(float.NegativeInfinity);
        for (int j = 0; j < end; j += W)
        {
            var t = Vector512.Load(row + j) * vscale;
            if (j + W > visible) t = Vector512.ConditionalSelect(Before(j, visible), t, Vector512.Create(float.NegativeInfinity));
            t.Store(row + j);
            vmax = Vector512.Max(vmax, t);
        }
        var max = Vector512.Create(HorizontalMax(vmax));
        var sum = Vector512<float>.Zero;
        for (int j = 0; j < end; j += W)
        {
            var e = FloatExp.Of(Vector512.Load(row + j) - max);
            if (j + W > visible) e = Vector512.ConditionalSelect(Before(j, visible), e, Vector512<float>.Zero);
            e.Store(row + j);
            sum += e;
        }
        var inverse = Vector512.Create(1f / Vector512.Sum(sum));
        for (int j = 0; j < end; j += W) (Vector512.Load(row + j) * inverse).Store(row + j);
        if (end < ld) new Span<float>(row + end, ld - end).Clear();
    }

    /// <summary>
    /// ds ← scale·P∘(dP − Σ dP∘P) over the row's first <paramref name="visible"/> entries (dP in
    /// <paramref name="ds"/>, finite up to <paramref name="visible"/> rounded up to a vector; P a row of
    /// <paramref name="tk"/> probabilities, zero past <paramref name="visible"/>), zeros from there to <paramref name="ld"/>.
    /// </summary>
    private static void SoftmaxBackwardRow(float* ds, float* p, int tk, float scale, int visible, int ld)
    {
        int full = visible / W * W, j;
        // The last partial vector reads P in place while it stays inside the row (P is 0 past
        // visible there), else element by element.
        bool vectorTail = full < visible && full + W <= tk;
        int end = vectorTail ? full + W : full;
        var acc = Vector512<float>.Zero;
        for (j = 0; j < end; j += W) acc = Vector512.FusedMultiplyAdd(Vector512.Load(ds + j), Vector512.Load(p + j), acc);
        float dot = Vector512.Sum(acc);
        for (j = end; j < visible; j++) dot += ds[j] * p[j];
        var vdot = Vector512.Create(dot);
        var vscale = Vector512.Create(scale);
        for (j = 0; j < end; j += W) ((Vector512.Load(ds + j) - vdot) * Vector512.Load(p + j) * vscale).Store(ds + j);
        for (j = end; j < visible; j++) ds[j] = (ds[j] - dot) * p[j] * scale;
        int zeroFrom = Math.Max(end, visible);
        if (zeroFrom < ld) new Span<float>(ds + zeroFrom, ld - zeroFrom).Clear();
    }

    private static float HorizontalMax(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var h = Vector128.Max(m.GetLower(), m.GetUpper());
        float max = h.GetElement(0);
        for (int i = 1; i < 4; i++) max = MathF.Max(max, h.GetElement(i));
        return max;
    }

    private interface IVectorCount
    {
        static abstract int Count { get; }
    }

    private readonly struct V1 : IVectorCount { public static int Count => 1; }
    private readonly struct V2 : IVectorCount { public static int Count => 2; }
    private readonly struct V3 : IVectorCount { public static int Count => 3; }
    private readonly struct V4 : IVectorCount { public static int Count => 4; }
}
