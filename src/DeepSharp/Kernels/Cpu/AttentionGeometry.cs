namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Sizes and options of one scaled dot-product attention call. Buffers are row-major:
/// <code>
/// query  (B, Tq, H, Dk)     key   (B, Tk, H, Dk)     value (B, Tk, H, Dv)     output (B, Tq, H, Dv)
/// mask   (B, Tq, Tk)        nonzero: query i may attend to key j
/// probabilities, dropout    (B, H, Tq, Tk)
/// </code>
/// The (B, T, H, D) layout is what a dense projection to H·D features produces, so heads are read
/// in place with a leading dimension of H·D: no transposes. With <see cref="Causal"/>, query i
/// sees key j only when j ≤ i + <see cref="CausalOffset"/> (Keras's causal mask is offset 0; a
/// decoder extending a cache of n keys uses offset n).
/// <para>
/// <see cref="QueryStride"/>, <see cref="KeyStride"/> and <see cref="ValueStride"/> (0: H·Dk, H·Dk,
/// H·Dv, the packed layouts above) are the floats from one (b, t) row of the query, key and value
/// to the next, and of their gradients too: a self-attention that projects Q, K and V in one
/// product reads them in place from its (B, T, H·(2Dk + Dv)) output, each with that row stride and
/// starting at its own column. A buffer then holds the rows' extent, (rows − 1)·stride + H·D floats.
/// </para>
/// </summary>
internal readonly record struct AttentionGeometry(
    int Batch, int Heads, int QueryLength, int KeyLength, int KeyDim, int ValueDim,
    float Scale, bool Causal = false, int CausalOffset = 0, int QueryStride = 0, int KeyStride = 0, int ValueStride = 0)
{
    /// <summary>Floats from one query row (b, i) to the next: <see cref="QueryStride"/>, or H·Dk.</summary>
    public int QueryLd => QueryStride != 0 ? QueryStride : Heads * KeyDim;
    /// <summary>Floats from one key row to the next: <see cref="KeyStride"/>, or H·Dk.</summary>
    public int KeyLd => KeyStride != 0 ? KeyStride : Heads * KeyDim;
    /// <summary>Floats from one value row to the next: <see cref="ValueStride"/>, or H·Dv.</summary>
    public int ValueLd => ValueStride != 0 ? ValueStride : Heads * ValueDim;

    public long QuerySize => RowsExtent((long)Batch * QueryLength, QueryLd, (long)Heads * KeyDim);
    public long KeySize => RowsExtent((long)Batch * KeyLength, KeyLd, (long)Heads * KeyDim);
    public long ValueSize => RowsExtent((long)Batch * KeyLength, ValueLd, (long)Heads * ValueDim);
    public long OutputSize => (long)Batch * QueryLength * Heads * ValueDim;
    public long MaskSize => (long)Batch * QueryLength * KeyLength;
    public long ProbabilitiesSize => (long)Batch * Heads * QueryLength * KeyLength;

    /// <summary>Keys query row <paramref name="i"/> may see before the padding mask: a prefix of the row.</summary>
    internal int VisibleKeys(int i) =>
        Causal ? (int)Math.Clamp((long)i + CausalOffset + 1, 0, KeyLength) : KeyLength;

    internal void Validate()
    {
        if (Batch < 0 || Heads < 0 || QueryLength < 0 || KeyLength < 0 || KeyDim < 0 || ValueDim < 0)
            throw new ArgumentOutOfRangeException(nameof(Batch), $"Attention sizes must be non-negative: {this}.");
        if (QueryStride < 0 || KeyStride < 0 || ValueStride < 0
            || QueryStride != 0 && QueryStride < (long)Heads * KeyDim || KeyStride != 0 && KeyStride < (long)Heads * KeyDim
            || ValueStride != 0 && ValueStride < (long)Heads * ValueDim)
            throw new ArgumentOutOfRangeException(nameof(QueryStride), $"Attention row strides must be 0 (packed) or at least the heads' width H·D: {this}.");
        if (CausalOffset < 0)
            throw new ArgumentOutOfRangeException(nameof(CausalOffset), CausalOffset, $"Attention causal offset must be non-negative: {this}.");
        if (QuerySize > int.MaxValue || KeySize > int.MaxValue || ValueSize > int.MaxValue || OutputSize > int.MaxValue || ProbabilitiesSize > int.MaxValue)
            throw new ArgumentException($"Attention buffers would exceed 2^31 elements: {this}.");
    }

    internal void Require(string buffer, int length, long needed, bool optional = false)
    {
        if (optional && length == 0) return;
        if (length < needed)
            throw new ArgumentException($"Attention: {buffer} holds {length} floats but needs {needed} ({this}).", buffer);
    }

    /// <summary>Floats spanned by <paramref name="rows"/> rows of <paramref name="width"/> floats, <paramref name="ld"/> apart (0 when empty).</summary>
    private static long RowsExtent(long rows, long ld, long width) => rows == 0 || width == 0 ? 0 : (rows - 1) * ld + width;

    public override string ToString() =>
        $"B={Batch}, H={Heads}, Tq={QueryLength}, Tk={KeyLength}, Dk={KeyDim}, Dv={ValueDim}, scale={Scale}" +
        (Causal ? $", causal offset {CausalOffset}" : "") +
        (QueryStride != 0 || KeyStride != 0 || ValueStride != 0 ? $", row strides q {QueryLd}, k {KeyLd}, v {ValueLd}" : "");
}
