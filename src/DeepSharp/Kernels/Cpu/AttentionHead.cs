using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One head of <see cref="Attention"/>: the GEMMs on the head's strided slices of Q, K, V and O,
/// and the fused masked softmax over the score rows.
/// </summary>
internal static unsafe class AttentionHead
{
    public static void Forward(in AttentionArgs a, int head)
    {
        ref readonly var g = ref a.G;
        var at = Offsets(a.G, head);
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V, o = a.O + at.O;
        int tq = g.QueryLength, tk = g.KeyLength, ldk = g.Heads * g.KeyDim, ldv = g.Heads * g.ValueDim;
        int block = tq * tk;
        float* s = a.P is not null ? a.P + (long)head * block : Scratch.Floats(Scratch.TileA, block);
        // S = Q·Kᵀ, straight into the probability block.
        Gemm.Multiply(false, true, tq, tk, g.KeyDim, Matrix(q, tq, g.KeyDim, ldk), ldk, Matrix(k, tk, g.KeyDim, ldk), ldk,
            new Span<float>(s, block), tk, accumulate: false);
        float* mask = a.Mask is null ? null : a.Mask + (long)(head / g.Heads) * block;
        for (int i = 0; i < tq; i++)
            SoftmaxRow(new Span<float>(s + (long)i * tk, tk), g.VisibleKeys(i),
                mask is null ? default : new ReadOnlySpan<float>(mask + (long)i * tk, tk), g.Scale);
        float* w = s;
        if (a.Dropout is not null)
        {
            w = Scratch.Floats(Scratch.TileB, block);
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(s, block), new ReadOnlySpan<float>(a.Dropout + (long)head * block, block),
                new Span<float>(w, block));
        }
        // O = (P ∘ M)·V into the head's columns of the output.
        Gemm.Multiply(false, false, tq, g.ValueDim, tk, new ReadOnlySpan<float>(w, block), tk, Matrix(v, tk, g.ValueDim, ldv), ldv,
            MatrixOut(o, tq, g.ValueDim, ldv), ldv, accumulate: false);
    }

    public static void Backward(in AttentionArgs a, int head)
    {
        ref readonly var g = ref a.G;
        var at = Offsets(a.G, head);
        float* q = a.Q + at.Q, k = a.K + at.K, v = a.V + at.V;
        int tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim, ldk = g.Heads * dk, ldv = g.Heads * dv;
        int block = tq * tk;
        float* p = a.P + (long)head * block;
        float* drop = a.Dropout is null ? null : a.Dropout + (long)head * block;
        var dO = Matrix(a.DO + at.O, tq, dv, ldv);

        if (a.DV is not null) // dV += (P ∘ M)ᵀ·dO
        {
            float* w = p;
            if (drop is not null)
            {
                w = Scratch.Floats(Scratch.TileB, block);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(p, block), new ReadOnlySpan<float>(drop, block), new Span<float>(w, block));
            }
            Gemm.Multiply(true, false, tk, dv, tq, new ReadOnlySpan<float>(w, block), tk, dO, ldv,
                MatrixOut(a.DV + at.V, tk, dv, ldv), ldv, accumulate: true);
        }
        if (a.DQ is null && a.DK is null) return;

        // dP = (dO·Vᵀ) ∘ M, then dS = scale · P ∘ (dP − rowsum(dP ∘ P)), in place.
        float* ds = Scratch.Floats(Scratch.TileA, block);
        var dsSpan = new Span<float>(ds, block);
        Gemm.Multiply(false, true, tq, tk, dv, dO, ldv, Matrix(v, tk, dv, ldv), ldv, dsSpan, tk, accumulate: false);
        if (drop is not null) TensorPrimitives.Multiply(dsSpan, new ReadOnlySpan<float>(drop, block), dsSpan);
        for (int i = 0; i < tq; i++)
        {
            var row = dsSpan.Slice(i * tk, tk);
            var pRow = new ReadOnlySpan<float>(p + (long)i * tk, tk);
            float dot = TensorPrimitives.Dot(row, pRow);
            TensorPrimitives.Subtract(row, dot, row);
            TensorPrimitives.Multiply(row, pRow, row);
            TensorPrimitives.Multiply(row, g.Scale, row);
        }
        if (a.DQ is not null) // dQ += dS·K
            Gemm.Multiply(false, false, tq, dk, tk, dsSpan, tk, Matrix(k, tk, dk, ldk), ldk, MatrixOut(a.DQ + at.Q, tq, dk, ldk), ldk, accumulate: true);
        if (a.DK is not null) // dK += dSᵀ·Q
            Gemm.Multiply(true, false, tk, dk, tq, dsSpan, tk, Matrix(q, tq, dk, ldk), ldk, MatrixOut(a.DK + at.K, tk, dk, ldk), ldk, accumulate: true);
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
        TensorPrimitives.Multiply(x, scale, x);
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
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, 1f / sum, x);
    }

    /// <summary>Where the head's slices start in Q (and dQ), K, V and O (and dO).</summary>
    private static (long Q, long K, long V, long O) Offsets(in AttentionGeometry g, int head)
    {
        int b = head / g.Heads, h = head % g.Heads;
        long ldk = (long)g.Heads * g.KeyDim, ldv = (long)g.Heads * g.ValueDim;
        return (b * g.QueryLength * ldk + h * g.KeyDim, b * g.KeyLength * ldk + h * g.KeyDim,
            b * g.KeyLength * ldv + h * g.ValueDim, b * g.QueryLength * ldv + h * g.ValueDim);
    }

    /// <summary>A rows×cols matrix with leading dimension ld starting at p, as the span Gemm checks.</summary>
    private static ReadOnlySpan<float> Matrix(float* p, int rows, int cols, int ld) =>
        rows == 0 || cols == 0 ? default : new ReadOnlySpan<float>(p, (rows - 1) * ld + cols);

    private static Span<float> MatrixOut(float* p, int rows, int cols, int ld) =>
        rows == 0 || cols == 0 ? default : new Span<float>(p, (rows - 1) * ld + cols);
}
