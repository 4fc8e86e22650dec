namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The resampling methods of TensorFlow's <c>tf.image.resize</c> (and so Keras's <c>Resizing</c>) beyond nearest:
/// each one's taps along an axis come from <see cref="ResizeTaps.For"/>.
/// </summary>
internal enum ResizeMethod
{
    /// <summary>Linear between the two nearest pixels; with antialiasing the triangle filter of scale-and-translate.</summary>
    Bilinear,
    /// <summary>Keys's cubic convolution (a = −0.5); without antialiasing TensorFlow's <c>resize_bicubic</c> with half-pixel centres.</summary>
    Bicubic,
    /// <summary>Box averaging over the area each output pixel covers (TensorFlow's <c>resize_area</c>, never antialiased further).</summary>
    Area,
    /// <summary>Lanczos with radius 3.</summary>
    Lanczos3,
    /// <summary>Lanczos with radius 5.</summary>
    Lanczos5,
    /// <summary>A Gaussian of σ = 0.5, cut at radius 1.5.</summary>
    Gaussian,
    /// <summary>Mitchell–Netravali's cubic (B = C = 1/3).</summary>
    MitchellCubic,
}

/// <summary>
/// The filters of TensorFlow's <c>scale_and_translate</c> (tensorflow/core/kernels/image/sampling_kernels.h), evaluated
/// at a distance x ≥ 0 in input pixels. Implementation notes, each as published:
/// triangle max(0, 1 − x), radius 1; Keys cubic with a = −0.5 ((1.5x − 2.5)x² + 1 below 1, ((−0.5x + 2.5)x − 4)x + 2
/// below 2), radius 2; Mitchell–Netravali with B = C = 1/3 ((7/6·x − 2)x² + 8/9 below 1,
/// ((−7/18·x + 2)x − 10/3)x + 16/9 below 2), radius 2; Lanczos r·sin(πx)·sin(πx/r)/(π²x²) (1 at x ≤ 10⁻³), radius r;
/// Gaussian exp(−x²/(2σ²)) with σ = 1.5/3 below its radius 1.5 (it jumps to 0 there, as TensorFlow's does).
/// </summary>
internal static class ResizeFilter
{
    public static float Radius(ResizeMethod method) => method switch
    {
        ResizeMethod.Bilinear => 1f,
        ResizeMethod.Bicubic or ResizeMethod.MitchellCubic => 2f,
        ResizeMethod.Lanczos3 => 3f,
        ResizeMethod.Lanczos5 => 5f,
        ResizeMethod.Gaussian => 1.5f,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Area resizing has no scale-and-translate filter."),
    };

    /// <summary>The filter's weight at distance |x| (float, as TensorFlow computes it).</summary>
    public static float Weight(ResizeMethod method, float x)
    {
        x = MathF.Abs(x);
        switch (method)
        {
            case ResizeMethod.Bilinear:
                return MathF.Max(0f, 1f - x);
            case ResizeMethod.Bicubic:
                return x >= 2f ? 0f : x >= 1f ? ((-0.5f * x + 2.5f) * x - 4f) * x + 2f : (1.5f * x - 2.5f) * x * x + 1f;
            case ResizeMethod.MitchellCubic:
                return x >= 2f ? 0f : x >= 1f ? ((-7f / 18f * x + 2f) * x - 10f / 3f) * x + 16f / 9f : (7f / 6f * x - 2f) * x * x + 8f / 9f;
            case ResizeMethod.Lanczos3:
            case ResizeMethod.Lanczos5:
                {
                    const float Pi = 3.14159265359f;
                    float r = Radius(method);
                    if (x > r) return 0f;
                    if (x <= 1e-3f) return 1f;
                    return r * MathF.Sin(Pi * x) * MathF.Sin(Pi * x / r) / (Pi * Pi * x * x);
                }
            case ResizeMethod.Gaussian:
                {
                    const float Radius = 1.5f, Sigma = Radius / 3f;
                    return x >= Radius ? 0f : MathF.Exp(-x * x / (2f * Sigma * Sigma));
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Area resizing has no scale-and-translate filter.");
        }
    }
}
