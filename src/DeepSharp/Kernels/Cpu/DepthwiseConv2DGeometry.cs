namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one depthwise 2-D convolution over NHWC data: each of the <see cref="Channels"/> input
/// channels is convolved with its own <see cref="Multiplier"/> filters, kernel (KH, KW, C, M), output
/// channel c·M + m. Padding is given explicitly (top/left), as in <see cref="Conv2DGeometry"/>.
/// </summary>
/// <remarks>
/// <see cref="Validate"/> (called by every kernel entry point) proves in 64-bit arithmetic that every
/// buffer length, C·M, and every coordinate a tap reaches fit in an int, as
/// <see cref="Conv2DGeometry.Validate"/> does for the dense convolution.
/// </remarks>
internal readonly record struct DepthwiseConv2DGeometry(
    int Batch, int InH, int InW, int Channels, int Multiplier,
    int KernelH, int KernelW,
    int StrideH, int StrideW,
    int PadTop, int PadLeft,
    int OutH, int OutW,
    int DilationH = 1, int DilationW = 1)
{
    /// <summary>Output channels, C · M.</summary>
    public int OutC => Channels * Multiplier;
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * OutC;
    public int KernelLength => KernelH * KernelW * OutC;

    /// <summary>Builds the geometry for Keras-style padding ("valid" or "same"), sizes as <see cref="Conv2DGeometry.OutputSize"/>.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the convolution does not fit 32-bit indexing.</exception>
    public static DepthwiseConv2DGeometry Create(int batch, int inH, int inW, int channels, int multiplier, int kernelH, int kernelW,
        int strideH, int strideW, bool samePadding, int dilationH = 1, int dilationW = 1)
    {
        var (outH, padTop) = Conv2DGeometry.OutputSize(inH, kernelH, strideH, dilationH, samePadding);
        var (outW, padLeft) = Conv2DGeometry.OutputSize(inW, kernelW, strideW, dilationW, samePadding);
        var g = new DepthwiseConv2DGeometry(batch, inH, inW, channels, multiplier, kernelH, kernelW, strideH, strideW,
            padTop, padLeft, outH, outW, dilationH, dilationW);
        g.Validate();
        return g;
    }

    /// <summary>
    /// Checks sizes (non-negative; multiplier, kernel, stride and dilation positive), that C · M and
    /// the input, output and kernel lengths fit in an int, and the reach of the taps along each axis
    /// (the checks of <see cref="Conv2DGeometry.Validate"/> on the same spatial geometry).
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InH < 0 || InW < 0 || Channels < 0 || OutH < 0 || OutW < 0 || PadTop < 0 || PadLeft < 0 || Multiplier < 1
            || KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            throw new ArgumentException($"Invalid depthwise convolution geometry {this}: sizes must be non-negative and multiplier, kernel, stride and dilation positive.");
        long outC = (long)Channels * Multiplier;
        if (outC > int.MaxValue || (long)Batch * InH * InW * Channels > int.MaxValue || (long)Batch * OutH * OutW * outC > int.MaxValue
            || (long)KernelH * KernelW * outC > int.MaxValue)
            throw new ArgumentException($"Depthwise convolution geometry {this} has buffers of more than 2^31 − 1 elements.");
        try
        {
            // The spatial checks of the dense convolution, on one channel in and out.
            new Conv2DGeometry(1, InH, InW, 1, 1, KernelH, KernelW, StrideH, StrideW, PadTop, PadLeft, OutH, OutW, DilationH, DilationW).Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Depthwise convolution geometry {this} does not fit 32-bit indexing: {e.Message}", e);
        }
    }
}
