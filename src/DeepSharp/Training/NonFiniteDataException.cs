namespace DeepSharp.Training;

/// <summary>
/// Fit found a NaN or an infinity in its data before training (it would train to a NaN loss). The
/// message names the tensor ("x", "y", "sampleWeight", "validation x", "x[1]" for a model's second
/// input, ...), the first bad sample and its value. Pass <c>checkFinite: false</c> (or
/// <see cref="FitOptions.CheckFinite"/> = false) to train on such data anyway.
/// </summary>
public sealed class NonFiniteDataException : DeepSharpException
{
    /// <param name="tensor">The tensor holding the value, as the message names it.</param>
    /// <param name="sampleIndex">The first sample (index along the first axis) with a NaN or infinity.</param>
    /// <param name="elementIndex">The bad element's index within that sample, in row-major order.</param>
    /// <param name="value">The value found there.</param>
    public NonFiniteDataException(string tensor, int sampleIndex, int elementIndex, float value)
        : base($"Fit: {tensor} holds {value} at sample {sampleIndex}" + (elementIndex > 0 ? $" (element {elementIndex} of the sample)" : "") +
            "; training on it gives a NaN loss. Fix the data, or pass checkFinite: false (FitOptions.CheckFinite) to train anyway.")
        => (Tensor, SampleIndex, ElementIndex, Value) = (tensor, sampleIndex, elementIndex, value);

    /// <summary>The tensor holding the value ("x", "y", "validation y", "x[1]", ...).</summary>
    public string Tensor { get; }

    /// <summary>The first sample (along the first axis) with a NaN or infinity.</summary>
    public int SampleIndex { get; }

    /// <summary>The bad element's index within its sample, in row-major order.</summary>
    public int ElementIndex { get; }

    /// <summary>The NaN or infinity found.</summary>
    public float Value { get; }
}
