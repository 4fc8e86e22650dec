using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One head of <see cref="Attention"/>: the GEMMs on the head's strided slices of Q, K, V and O,
/// and the fused masked softmax over the score rows.
/// </summary>
internal static unsafe class AttentionHead
{
    /// <summary>
    /// Query rows handled together: a block's GEMMs stop at the keys its last row may see, so a
    /// causal head does about half the work of a full one. Fixed, so results never depend on threads.
    /// </summary>
    internal const int RowBlock = 64;

    public static void Forward(in AttentionArgs a, int head)
    {
        if (AttentionSmallHeads.Applies(a))
        {
            AttentionSmallHeads.Forward(a, head);
            return;
        }
        ref readonly var g = ref a.G;
        var at = Offsets(a.G, head);
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V, o = a.O + at.O;
        int tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim, ldq = g.QueryLd, ldk = g.KeyLd, ldv = g.ValueLd, ldo = g.Heads * dv;
        long block = (long)tq * tk;
        AssertHead(a, head, at);
        KernelBounds.Range(at.O, Extent(tq, dv, ldo), g.OutputSize);
        if (a.Mask is not null) KernelBounds.Range(head / g.Heads * block, block, g.MaskSize);
        int blockFloats = Math.Min(RowBlock, tq) * tk;
        float* scratch = a.P is null ? Scratch.Floats(Scratch.TileA, blockFloats) : null;
        float* weighted = a.Dropout is null ? null : Scratch.Floats(Scratch.TileB, blockFloats);
        float* mask = a.Mask is null ? null : a.Mask + (head / g.Heads) * block;
        for (int i0 = 0; i0 < tq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, tq - i0), keys = g.VisibleKeys(i0 + rows - 1);
            float* s = a.P is null ? scratch : a.P + head * block + (long)i0 * tk;
            // S = Q·Kᵀ for the block's rows, straight into their probability rows.
            Gemm.Multiply(false, true, rows, keys, dk, Matrix(q + (long)i0 * ldq, rows, dk, ldq), ldq, Matrix(k, keys, dk, ldk), ldk,
                MatrixOut(s, rows, keys, tk), tk, accumulate: false);
            for (int r = 0; r < rows; r++)
                SoftmaxRow(new Span<float>(s + (long)r * tk, tk), g.VisibleKeys(i0 + r),
                    mask is null ? default : new ReadOnlySpan<float>(mask + (long)(i0 + r) * tk, tk), g.Scale);
            float* w = s;
            if (weighted is not null)
            {
                w = weighted;
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(s, rows * tk), new ReadOnlySpan<float>(a.Dropout + head * block + (long)i0 * tk, rows * tk),
                    new Span<float>(w, rows * tk));
            }
            // O = (P ∘ M)·V into the head's columns of the block's output rows.
            Gemm.Multiply(false, false, rows, dv, keys, Matrix(w, rows, keys, tk), tk, Matrix(v, keys, dv, ldv), ldv,
                MatrixOut(o + (long)i0 * ldo, rows, dv, ldo), ldo, accumulate: false);
        }
    }

    public static void Backward(in AttentionArgs a, int head)
    {
        if (AttentionSmallHeads.Applies(a))
        {
            AttentionSmallHeads.Backward(a, head);
            return;
        }
        ref readonly var g = ref a.G;
        var at = Offsets(a.G, head);
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V;
        int tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim, ldq = g.QueryLd, ldk = g.KeyLd, ldv = g.ValueLd, ldo = g.Heads * dv;
        long block = (long)tq * tk;
        AssertHead(a, head, at);
        int blockFloats = Math.Min(RowBlock, tq) * tk;
        bool needS = a.DQ is not null || a.DK is not null;
        float* weighted = a.Dropout is null ? null : Scratch.Floats(Scratch.TileB, blockFloats);
        float* ds = needS ? Scratch.Floats(Scratch.TileA, blockFloats) : null;
        for (int i0 = 0; i0 < tq; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, tq - i0), keys = g.VisibleKeys(i0 + rows - 1);
            float* p = a.P + head * block + (long)i0 * tk;
            float* drop = a.Dropout is null ? null : a.Dropout + head * block + (long)i0 * tk;
            var dO = Matrix(a.DO + at.O + (long)i0 * ldo, rows, dv, ldo);
            if (a.DV is not null) // dV += (P ∘ M)ᵀ·dO over the keys the block sees
            {
                float* w = p;
                if (drop is not null)
                {
                    w = weighted;
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>(p, rows * tk), new ReadOnlySpan<float>(drop, rows * tk), new Span<float>(w, rows * tk));
                }
                Gemm.Multiply(true, false, keys, dv, rows, Matrix(w, rows, keys, tk), tk, dO, ldo, MatrixOut(a.DV + at.V, keys, dv, ldv), ldv, accumulate: true);
            }
            if (!needS) continue;

            // dP = (dO·Vᵀ) ∘ M, then dS = scale · P ∘ (dP − rowsum(dP ∘ P)), in place.
            Gemm.Multiply(false, true, rows, keys, dv, dO, ldo, Matrix(v, keys, dv, ldv), ldv, MatrixOut(ds, rows, keys, tk), tk, accumulate: false);
            for (int r = 0; r < rows; r++)
            {
                var row = new Span<float>(ds + (long)r * tk, keys);
                if (drop is not null) TensorPrimitives.Multiply(row, new ReadOnlySpan<float>(drop + (long)r * tk, keys), row);
                AttentionRows.SoftmaxBackward(ds + (long)r * tk, p + (long)r * tk, g.Scale, keys);
            }
            var dS = Matrix(ds, rows, keys, tk);
            if (a.DQ is not null) // dQ += dS·K
                Gemm.Multiply(false, false, rows, dk, keys, dS, tk, Matrix(k, keys, dk, ldk), ldk,
                    MatrixOut(a.DQ + at.Q + (long)i0 * ldq, rows, dk, ldq), ldq, accumulate: true);
            if (a.DK is not null) // dK += dSᵀ·Q
                Gemm.Multiply(true, false, keys, dk, rows, dS, tk, Matrix(q + (long)i0 * ldq, rows, dk, ldq), ldq,
                    MatrixOut(a.DK + at.K, keys, dk, ldk), ldk, accumulate: true);
        }
    }

    /// <summary>
    /// One score row → probabilities: keys past <paramref name="visible"/> (causal) and keys with a
    /// zero in <paramref name="mask"/> get exactly 0; the rest softmax(scale·s). A row with no
    /// visible key becomes all zeros.
    /// </summary>
    internal static void SoftmaxRow(Span<float> row, int visible, ReadOnlySpan<float> mask, float scale)
    {
        row[visible..].Clear();
        var x = row[..visible];
        if (x.IsEmpty) return;
        fixed (float* px = x) AttentionRows.Scale(px, scale, x.Length);
        if (!mask.IsEmpty)
        {
            bool any = false;
            for (int j = 0; j < x.Length; j++)
            {
                if (mask[j] == 0f) x[j] = float.NegativeInfinity;
                else any = true;
            }
            if (!any)
            {
                x.Clear();
                return;
            }
        }
        fixed (float* px = x) AttentionRows.Softmax(px, x.Length);
    }

    /// <summary>Debug builds: the head's slices of Q, K, V, the probabilities and the dropout mask lie within their buffers.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    internal static void AssertHead(in AttentionArgs a, int head, (long Q, long K, long V, long O) at)
    {
        ref readonly var g = ref a.G;
        int ldo = g.Heads * g.ValueDim;
        long block = (long)g.QueryLength * g.KeyLength;
        KernelBounds.Range(at.Q, Extent(g.QueryLength, g.KeyDim, g.QueryLd), g.QuerySize);
        KernelBounds.Range(at.K, Extent(g.KeyLength, g.KeyDim, g.KeyLd), g.KeySize);
        KernelBounds.Range(at.V, Extent(g.KeyLength, g.ValueDim, g.ValueLd), g.ValueSize);
        if (a.P is not null) KernelBounds.Range(head * block, block, g.ProbabilitiesSize);
        if (a.Dropout is not null) KernelBounds.Range(head * block, block, g.ProbabilitiesSize);
        if (a.DO is not null) KernelBounds.Range(at.O, Extent(g.QueryLength, g.ValueDim, ldo), g.OutputSize);
    }

    /// <summary>Floats spanned by a rows×cols matrix with leading dimension ld (0 when empty).</summary>
    internal static long Extent(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (rows - 1L) * ld + cols;

    /// <summary>Where the head's slices start in Q (and dQ), K (and dK), V (and dV) and O (and dO).</summary>
    internal static (long Q, long K, long V, long O) Offsets(in AttentionGeometry g, int head)
    {
        int b = head / g.Heads, h = head % g.Heads;
        long ldo = (long)g.Heads * g.ValueDim;
        return ((long)b * g.QueryLength * g.QueryLd + h * g.KeyDim, (long)b * g.KeyLength * g.KeyLd + h * g.KeyDim,
            (long)b * g.KeyLength * g.ValueLd + h * g.ValueDim, b * g.QueryLength * ldo + h * g.ValueDim);
    }

    /// <summary>A rows×cols matrix with leading dimension ld starting at p, as the span Gemm checks.</summary>
    private static ReadOnlySpan<float> Matrix(float* p, int rows, int cols, int ld) =>
        rows == 0 || cols == 0 ? default : new ReadOnlySpan<float>(p, (rows - 1) * ld + cols);

    private static Span<float> MatrixOut(float* p, int rows, int cols, int ld) =>
        rows == 0 || cols == 0 ? default : new Span<float>(p, (rows - 1) * ld + cols);
}
