namespace DeepSharp.Nn.Layers;

/// <summary>How <see cref="Bidirectional"/> combines its two directions (Keras's merge_mode).</summary>
public enum MergeMode
{
    /// <summary>Forward and backward outputs side by side on the last axis ("concat", the default).</summary>
    Concat,
    /// <summary>Their sum ("sum").</summary>
    Sum,
    /// <summary>Their elementwise product ("mul").</summary>
    Mul,
    /// <summary>Their mean ("ave").</summary>
    Ave,
    /// <summary>
    /// No merge (Keras's <c>merge_mode=None</c>): the layer returns the forward and the backward outputs
    /// as two tensors, through <c>CallWithState</c>, the backward one flipped back into time order.
    /// </summary>
    None,
}
