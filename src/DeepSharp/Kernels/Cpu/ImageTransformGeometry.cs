namespace DeepSharp.Kernels.Cpu;

/// <summary>How an image transform reads outside the input (Keras's fill_mode).</summary>
internal enum EdgeFill
{
    /// <summary>(d c b a | a b c d | d c b a): reflect about the edge of the last pixel.</summary>
    Reflect,
    /// <summary>(k k k k | a b c d | k k k k): a constant fill value.</summary>
    Constant,
}

/// <summary>
/// Shape of a batch of per-image transforms over NHWC data (output size = input size).
/// Affine: six numbers (a0, a1, a2, b0, b1, b2) per image map output pixel (x, y) to the input
/// point (a0·x + a1·y + a2, b0·x + b1·y + b2), as Keras's affine_transform. Projective: eight
/// numbers (a0, a1, a2, b0, b1, b2, c0, c1) map it to that point divided by c0·x + c1·y + 1, as
/// Keras's perspective_transform. The point is sampled bilinearly, or with <paramref name="Nearest"/>
/// from the nearest pixel (⌊x + ½⌋, ⌊y + ½⌋).
/// </summary>
internal readonly record struct ImageTransformGeometry(int Batch, int Height, int Width, int Channels, EdgeFill EdgeFill, float FillValue,
    bool Projective = false, bool Nearest = false)
{
    public int Length => Batch * Height * Width * Channels;
    /// <summary>Numbers per image: 6 (affine) or 8 (projective).</summary>
    public int TransformSize => Projective ? 8 : 6;
    public int TransformLength => Batch * TransformSize;
}
