namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Attention"/> (layouts in <see cref="AttentionGeometry"/>). For
/// every batch b, head h and query i, over the keys j that i may see (j ≤ i + offset when causal,
/// and mask[b, i, j] ≠ 0 when a mask is given):
/// <code>
/// p[b,h,i,j] = exp(scale·q·kⱼ − max) / Σ exp(scale·q·kⱼ′ − max)     (0 for keys i may not see;
/// output[b,i,h,:] = Σⱼ p[b,h,i,j]·dropout[b,h,i,j]·v[b,j,h,:]          a row seeing no key is all 0)
/// </code>
/// Backward accumulates dV += (P∘M)ᵀ·dO, dQ += dS·K, dK += dSᵀ·Q with dP = (dO·Vᵀ)∘M and
/// dS = scale·P∘(dP − Σⱼ dP∘P) (with <c>overwrite</c>: into zeros, whatever the gradients held). Sums run in double. Query, key and value rows (and their gradients')
/// are <see cref="AttentionGeometry.QueryLd"/>, <see cref="AttentionGeometry.KeyLd"/> and
/// <see cref="AttentionGeometry.ValueLd"/> floats apart; the floats between the heads' columns are never read or written.
/// </summary>
internal static class NaiveAttention
{
    public static void Forward(in AttentionGeometry g, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> mask, ReadOnlySpan<float> dropout, Span<float> probabilities, Span<float> output)
    {
        int H = g.Heads, tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim;
        var p = new double[tk];
        for (int b = 0; b < g.Batch; b++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < tq; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < tk; j++)
                    {
                        if (!Visible(g, mask, b, i, j)) continue;
                        double s = 0;
                        for (int d = 0; d < dk; d++) s += (double)query[Q(g, b, i, h, d)] * key[K(g, b, j, h, d)];
                        p[j] = s * g.Scale;
                        max = Math.Max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++)
                    {
                        p[j] = Visible(g, mask, b, i, j) ? Math.Exp(p[j] - max) : 0.0;
                        sum += p[j];
                    }
                    for (int j = 0; j < tk; j++)
                    {
                        p[j] = sum > 0 ? p[j] / sum : 0.0;
                        if (!probabilities.IsEmpty) probabilities[P(g, b, h, i, j)] = (float)p[j];
                    }
                    for (int d = 0; d < dv; d++)
                    {
                        double o = 0;
                        for (int j = 0; j < tk; j++)
                            o += p[j] * Drop(dropout, g, b, h, i, j) * value[V(g, b, j, h, d)];
                        output[O(g, b, i, h, d)] = (float)o;
                    }
                }
    }

    public static void Backward(in AttentionGeometry g, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value,
        ReadOnlySpan<float> dropout, ReadOnlySpan<float> probabilities, ReadOnlySpan<float> outputGrad,
        Span<float> queryGrad, Span<float> keyGrad, Span<float> valueGrad, bool overwrite = false)
    {
        int H = g.Heads, tq = g.QueryLength, tk = g.KeyLength, dk = g.KeyDim, dv = g.ValueDim;
        if (overwrite) // the gradients start from zeros, whatever they held
            for (int b = 0; b < g.Batch; b++)
                for (int h = 0; h < H; h++)
                {
                    for (int i = 0; i < tq && !queryGrad.IsEmpty; i++)
                        for (int d = 0; d < dk; d++) queryGrad[Q(g, b, i, h, d)] = 0f;
                    for (int j = 0; j < tk; j++)
                    {
                        if (!keyGrad.IsEmpty) for (int d = 0; d < dk; d++) keyGrad[K(g, b, j, h, d)] = 0f;
                        if (!valueGrad.IsEmpty) for (int d = 0; d < dv; d++) valueGrad[V(g, b, j, h, d)] = 0f;
                    }
                }
        var dq = new double[Math.Max(0, (int)g.QuerySize)];
        var dkAcc = new double[Math.Max(0, (int)g.KeySize)];
        var dvAcc = new double[Math.Max(0, (int)g.ValueSize)];
        var dS = new double[tk];
        for (int b = 0; b < g.Batch; b++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < tq; i++)
                {
                    double rowDot = 0;
                    for (int j = 0; j < tk; j++)
                    {
                        double p = probabilities[P(g, b, h, i, j)], m = Drop(dropout, g, b, h, i, j);
                        double dP = 0;
                        for (int d = 0; d < dv; d++)
                        {
                            double dO = outputGrad[O(g, b, i, h, d)];
                            dP += dO * value[V(g, b, j, h, d)];
                            dvAcc[V(g, b, j, h, d)] += p * m * dO;
                        }
                        dS[j] = dP * m;
                        rowDot += dS[j] * p;
                    }
                    for (int j = 0; j < tk; j++)
                    {
                        double s = g.Scale * probabilities[P(g, b, h, i, j)] * (dS[j] - rowDot);
                        for (int d = 0; d < dk; d++)
                        {
                            dq[Q(g, b, i, h, d)] += s * key[K(g, b, j, h, d)];
                            dkAcc[K(g, b, j, h, d)] += s * query[Q(g, b, i, h, d)];
                        }
                    }
                }
        // Only the heads' columns of each row: with row strides, the floats between rows belong to others.
        for (int b = 0; b < g.Batch; b++)
            for (int h = 0; h < H; h++)
            {
                for (int i = 0; i < tq && !queryGrad.IsEmpty; i++)
                    for (int d = 0; d < dk; d++) queryGrad[Q(g, b, i, h, d)] += (float)dq[Q(g, b, i, h, d)];
                for (int j = 0; j < tk; j++)
                {
                    if (!keyGrad.IsEmpty) for (int d = 0; d < dk; d++) keyGrad[K(g, b, j, h, d)] += (float)dkAcc[K(g, b, j, h, d)];
                    if (!valueGrad.IsEmpty) for (int d = 0; d < dv; d++) valueGrad[V(g, b, j, h, d)] += (float)dvAcc[V(g, b, j, h, d)];
                }
            }
    }

    private static bool Visible(in AttentionGeometry g, ReadOnlySpan<float> mask, int b, int i, int j) =>
        (!g.Causal || j <= (long)i + g.CausalOffset) && (mask.IsEmpty || mask[(b * g.QueryLength + i) * g.KeyLength + j] != 0f);

    private static double Drop(ReadOnlySpan<float> dropout, in AttentionGeometry g, int b, int h, int i, int j) =>
        dropout.IsEmpty ? 1.0 : dropout[P(g, b, h, i, j)];

    private static int Q(in AttentionGeometry g, int b, int i, int h, int d) => (b * g.QueryLength + i) * g.QueryLd + h * g.KeyDim + d;
    private static int K(in AttentionGeometry g, int b, int j, int h, int d) => (b * g.KeyLength + j) * g.KeyLd + h * g.KeyDim + d;
    private static int V(in AttentionGeometry g, int b, int j, int h, int d) => (b * g.KeyLength + j) * g.ValueLd + h * g.ValueDim + d;
    private static int O(in AttentionGeometry g, int b, int i, int h, int d) => ((b * g.QueryLength + i) * g.Heads + h) * g.ValueDim + d;
    private static int P(in AttentionGeometry g, int b, int h, int i, int j) => ((b * g.Heads + h) * g.QueryLength + i) * g.KeyLength + j;
}
