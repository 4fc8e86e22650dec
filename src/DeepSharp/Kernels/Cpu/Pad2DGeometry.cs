namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// A window moved over NHWC images: output pixel (oh, ow) is input pixel (oh − Top, ow − Left), zero
/// where that falls outside the input. Positive offsets pad (ZeroPadding2D), negative ones crop
/// (Cropping2D); the output size is free, so one geometry does both, and a 1-D layer is height 1.
/// </summary>
/// <remarks>
/// <see cref="Validate"/> (called by every kernel entry point) proves in 64-bit arithmetic that the
/// buffer lengths and every coordinate the kernels compute (an input or output size plus or minus an
/// offset) fit in an int.
/// </remarks>
internal readonly record struct Pad2DGeometry(int Batch, int InH, int InW, int Channels, int OutH, int OutW, int Top, int Left)
{
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * Channels;

    /// <summary>Zero padding: (top, bottom, left, right) rows and columns added around the input.</summary>
    /// <exception cref="ArgumentException">A size is negative or the result does not fit 32-bit indexing.</exception>
    public static Pad2DGeometry Padding(int batch, int inH, int inW, int channels, int top, int bottom, int left, int right)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new ArgumentException($"Padding must be non-negative; got top {top}, bottom {bottom}, left {left}, right {right}.");
        var g = new Pad2DGeometry(batch, inH, inW, channels, Checked((long)inH + top + bottom), Checked((long)inW + left + right), top, left);
        g.Validate();
        return g;
    }

    /// <summary>Cropping: (top, bottom, left, right) rows and columns removed from the input's edges.</summary>
    /// <exception cref="ArgumentException">A size is negative, the cropping removes more than the input has, or the sizes do not fit 32-bit indexing.</exception>
    public static Pad2DGeometry Cropping(int batch, int inH, int inW, int channels, int top, int bottom, int left, int right)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
            throw new ArgumentException($"Cropping must be non-negative; got top {top}, bottom {bottom}, left {left}, right {right}.");
        long outH = (long)inH - top - bottom, outW = (long)inW - left - right;
        if (outH < 0 || outW < 0)
            throw new ArgumentException($"Cropping (top {top}, bottom {bottom}, left {left}, right {right}) removes more than an input of {inH}×{inW} holds.");
        var g = new Pad2DGeometry(batch, inH, inW, channels, (int)outH, (int)outW, -top, -left);
        g.Validate();
        return g;
    }

    /// <summary>Checks that sizes are non-negative, the lengths fit in an int, and so do the sizes plus or minus the offsets.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InH < 0 || InW < 0 || Channels < 0 || OutH < 0 || OutW < 0 || Top == int.MinValue || Left == int.MinValue)
            throw new ArgumentException($"Invalid padding geometry {this}: sizes must be non-negative.");
        if ((long)Batch * InH * InW * Channels > int.MaxValue || (long)Batch * OutH * OutW * Channels > int.MaxValue)
            throw new ArgumentException($"Padding geometry {this} has buffers of more than 2^31 − 1 elements.");
        if ((long)Math.Max(InH, OutH) + Math.Abs(Top) > int.MaxValue || (long)Math.Max(InW, OutW) + Math.Abs(Left) > int.MaxValue)
            throw new ArgumentException($"Padding geometry {this}: a size plus its offset exceeds 2^31 − 1.");
    }

    private static int Checked(long size) =>
        size <= int.MaxValue ? (int)size : throw new ArgumentException($"A padded size of {size} exceeds 2^31 − 1.");
}
