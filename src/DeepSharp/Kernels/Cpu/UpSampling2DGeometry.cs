namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one 2-D upsampling of NHWC images by whole factors: (N, H, W, C) → (N, H·FactorH, W·FactorW, C).
/// </summary>
/// <remarks><see cref="Validate"/> (called by every kernel entry point) proves in 64-bit arithmetic that the buffer lengths and scaled sizes fit in an int.</remarks>
internal readonly record struct UpSampling2DGeometry(int Batch, int InH, int InW, int Channels, int FactorH, int FactorW)
{
    public int OutH => InH * FactorH;
    public int OutW => InW * FactorW;
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * Channels;

    /// <summary>Builds and validates the geometry.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the output does not fit 32-bit indexing.</exception>
    public static UpSampling2DGeometry Create(int batch, int inH, int inW, int channels, int factorH, int factorW)
    {
        var g = new UpSampling2DGeometry(batch, inH, inW, channels, factorH, factorW);
        g.Validate();
        return g;
    }

    /// <summary>Checks sizes (non-negative, factors positive) and that the scaled sizes and both lengths fit in an int.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InH < 0 || InW < 0 || Channels < 0 || FactorH < 1 || FactorW < 1)
            throw new ArgumentException($"Invalid upsampling geometry {this}: sizes must be non-negative and factors positive.");
        long outH = (long)InH * FactorH, outW = (long)InW * FactorW;
        if (outH > int.MaxValue || outW > int.MaxValue || (long)Batch * InH * InW * Channels > int.MaxValue
            || (long)Batch * outH * outW * Channels > int.MaxValue)
            throw new ArgumentException($"Upsampling geometry {this} has sizes or buffers of more than 2^31 − 1 elements.");
    }

    /// <summary>
    /// Bilinear resampling along one axis with half-pixel centres (TensorFlow's resize, which Keras's
    /// UpSampling2D uses; ONNX Resize "half_pixel"): output o reads source position
    /// s = max((o + 0.5) / factor − 0.5, 0), between rows ⌊s⌋ and min(⌊s⌋ + 1, size − 1) with weight s − ⌊s⌋ on the second.
    /// </summary>
    public static (int I0, int I1, float Weight) BilinearTap(int o, int factor, int size)
    {
        double s = Math.Max((o + 0.5) / factor - 0.5, 0.0);
        int i0 = Math.Min((int)s, size - 1);
        return (i0, Math.Min(i0 + 1, size - 1), (float)(s - i0));
    }
}
