namespace DeepSharp.Nn;

/// <summary>Convolution and pooling padding, as in Keras.</summary>
public enum Padding
{
    /// <summary>No padding; the output size is floored.</summary>
    Valid,
    /// <summary>Output size ⌈input/stride⌉; the extra padding goes to the bottom/right.</summary>
    Same,
}

internal static class PaddingNames
{
    public static string ToName(this Padding p) => p == Padding.Same ? "same" : "valid";

    public static Padding Parse(string name) => name switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        _ => throw new DeepSharpException($"Unknown padding '{name}'; expected 'valid' or 'same'."),
    };
}
