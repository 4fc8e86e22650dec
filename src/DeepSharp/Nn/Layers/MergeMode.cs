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
}
