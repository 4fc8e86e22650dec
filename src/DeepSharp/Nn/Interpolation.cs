using DeepSharp.Kernels.Cpu;

namespace DeepSharp.Nn;

/// <summary>
/// How <see cref="Layers.Resizing"/> and <see cref="Layers.UpSampling2D"/> read pixels (Keras's <c>interpolation</c>),
/// with TensorFlow's <c>tf.image.resize</c> semantics. UpSampling2D takes Keras 3's five: nearest, bilinear, bicubic, lanczos3 and lanczos5.
/// </summary>
public enum Interpolation
{
    /// <summary>Repeat each pixel (Keras's default).</summary>
    Nearest,

    /// <summary>Interpolate linearly between the four nearest pixels, with half-pixel centres (TensorFlow's resize).</summary>
    Bilinear,

    /// <summary>Keys's cubic convolution (a = −0.5) over the 4×4 nearest pixels, half-pixel centres.</summary>
    Bicubic,

    /// <summary>Average of the input pixels each output pixel covers, weighted by overlap (box averaging).</summary>
    Area,

    /// <summary>Lanczos filter of radius 3.</summary>
    Lanczos3,

    /// <summary>Lanczos filter of radius 5.</summary>
    Lanczos5,

    /// <summary>Gaussian filter (σ = 0.5 pixel, radius 1.5).</summary>
    Gaussian,

    /// <summary>Mitchell–Netravali cubic filter (B = C = 1/3).</summary>
    MitchellCubic,
}

internal static class InterpolationNames
{
    public static string ToName(this Interpolation i) => i switch
    {
        Interpolation.Nearest => "nearest",
        Interpolation.Bilinear => "bilinear",
        Interpolation.Bicubic => "bicubic",
        Interpolation.Area => "area",
        Interpolation.Lanczos3 => "lanczos3",
        Interpolation.Lanczos5 => "lanczos5",
        Interpolation.Gaussian => "gaussian",
        Interpolation.MitchellCubic => "mitchellcubic",
        _ => throw new ArgumentOutOfRangeException(nameof(i), i, "Unknown interpolation."),
    };

    /// <summary>Keras's names: nearest, bilinear, bicubic, area, lanczos3, lanczos5, gaussian, mitchellcubic.</summary>
    public static Interpolation Parse(string name) => name switch
    {
        "nearest" => Interpolation.Nearest,
        "bilinear" => Interpolation.Bilinear,
        "bicubic" => Interpolation.Bicubic,
        "area" => Interpolation.Area,
        "lanczos3" => Interpolation.Lanczos3,
        "lanczos5" => Interpolation.Lanczos5,
        "gaussian" => Interpolation.Gaussian,
        "mitchellcubic" => Interpolation.MitchellCubic,
        _ => throw new DeepSharpException($"Unknown interpolation '{name}'; DeepSharp supports nearest, bilinear, bicubic, area, lanczos3, lanczos5, gaussian and mitchellcubic."),
    };

    /// <summary>The interpolations UpSampling2D takes, as its messages list them.</summary>
    public const string UpSamplingNames = "'nearest', 'bilinear', 'bicubic', 'lanczos3' and 'lanczos5'";

    /// <summary>Keras 3's UpSampling2D names only: nearest, bilinear, bicubic, lanczos3, lanczos5.</summary>
    public static Interpolation ParseUpSampling(string name) => name switch
    {
        "nearest" => Interpolation.Nearest,
        "bilinear" => Interpolation.Bilinear,
        "bicubic" => Interpolation.Bicubic,
        "lanczos3" => Interpolation.Lanczos3,
        "lanczos5" => Interpolation.Lanczos5,
        _ => throw new DeepSharpException($"Unknown or unsupported interpolation '{name}'; UpSampling2D supports {UpSamplingNames}."),
    };

    /// <summary>The kernel's method for the filtered interpolations (not nearest).</summary>
    internal static ResizeMethod ToResizeMethod(this Interpolation i) => i switch
    {
        Interpolation.Bilinear => ResizeMethod.Bilinear,
        Interpolation.Bicubic => ResizeMethod.Bicubic,
        Interpolation.Area => ResizeMethod.Area,
        Interpolation.Lanczos3 => ResizeMethod.Lanczos3,
        Interpolation.Lanczos5 => ResizeMethod.Lanczos5,
        Interpolation.Gaussian => ResizeMethod.Gaussian,
        Interpolation.MitchellCubic => ResizeMethod.MitchellCubic,
        _ => throw new ArgumentOutOfRangeException(nameof(i), i, "Nearest has no resampling filter."),
    };
}
