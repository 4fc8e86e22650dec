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
/// </summary>
internal readonly record struct AttentionGeometry(
    int Batch, int Heads, int QueryLength, int KeyLength, int KeyDim, int ValueDim,
    float Scale, bool Causal = false, int CausalOffset = 0)
{
    public long QuerySize => (long)Batch * QueryLength * Heads * KeyDim;
    public long KeySize => (long)Batch * KeyLength * Heads * KeyDim;
    public long ValueSize => (long)Batch * KeyLength * Heads * ValueDim;
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

    public override string ToString() =>
        $"B={Batch}, H={Heads}, Tq={QueryLength}, Tk={KeyLength}, Dk={KeyDim}, Dv={ValueDim}, scale={Scale}" +
        (Causal ? $", causal offset {CausalOffset}" : "");
}
