namespace DeepSharp.Nn;

/// <summary>How <see cref="Layers.UpSampling2D"/> fills the new pixels (Keras's <c>interpolation</c>).</summary>
public enum Interpolation
{
    /// <summary>Repeat each pixel (Keras's default).</summary>
    Nearest,

    /// <summary>Interpolate linearly between the four nearest pixels, with half-pixel centres (TensorFlow's resize).</summary>
    Bilinear,
}

internal static class InterpolationNames
{
    public static string ToName(this Interpolation i) => i == Interpolation.Bilinear ? "bilinear" : "nearest";

    public static Interpolation Parse(string name) => name switch
    {
        "nearest" => Interpolation.Nearest,
        "bilinear" => Interpolation.Bilinear,
        _ => throw new DeepSharpException($"Unknown or unsupported interpolation '{name}'; DeepSharp supports 'nearest' and 'bilinear'."),
    };
}
