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
/// Shape of a batch of per-image affine transforms over NHWC data (output size = input size).
/// Each image has six numbers (a0, a1, a2, b0, b1, b2) mapping output pixel (x, y) to the input
/// point (a0·x + a1·y + a2, b0·x + b1·y + b2), sampled bilinearly, as Keras's affine_transform.
/// </summary>
internal readonly record struct ImageTransformGeometry(int Batch, int Height, int Width, int Channels, EdgeFill EdgeFill, float FillValue)
{
    public int Length => Batch * Height * Width * Channels;
    public int TransformLength => Batch * 6;
}
