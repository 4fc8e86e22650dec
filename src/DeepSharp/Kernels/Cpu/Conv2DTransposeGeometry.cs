namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// A transposed 2-D convolution is the input gradient of a convolution: its input (N, H, W, Cin) plays
/// the convolution's output, its output (N, OH, OW, filters) the convolution's input, and the
/// (KH, KW, filters, Cin) kernel is the convolution's (KH, KW, Cin', Cout') kernel as it is. This
/// class finds the <see cref="Conv2DGeometry"/> of that convolution, with Keras's output sizes.
/// </summary>
internal static class Conv2DTransposeGeometry
{
    /// <summary>
    /// Keras's output length without output_padding (TensorFlow's conv_transpose): "valid" gives
    /// in · stride + max(effectiveKernel − stride, 0), which is (in − 1) · stride + effectiveKernel when
    /// the kernel is at least the stride; "same" gives in · stride. Computed in 64 bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the output exceeds 2^31 − 1.</exception>
    public static int OutputSize(int input, int kernel, int stride, int dilation, bool samePadding)
    {
        if (input < 0 || kernel < 1 || stride < 1 || dilation < 1)
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"A transposed convolution axis needs input ≥ 0 and kernel, stride and dilation ≥ 1; got input {input}, kernel {kernel}, stride {stride}, dilation {dilation}.");
        long output = (long)input * stride + (samePadding ? 0 : Math.Max(Conv2DGeometry.EffectiveSize(kernel, dilation) - stride, 0));
        if (output > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"A transposed convolution of an input of {input} with kernel {kernel}, stride {stride} and dilation {dilation} gives {output} elements, more than 2^31 − 1.");
        return (int)output;
    }

    /// <summary>
    /// The convolution whose input gradient is the transposed convolution of x (batch, inH, inW, inC)
    /// into <paramref name="filters"/> channels: its InH/InW/InC are the transposed output, its OutH/OutW/OutC the transposed input.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or the geometry does not fit 32-bit indexing.</exception>
    public static Conv2DGeometry Create(int batch, int inH, int inW, int inC, int filters, int kernelH, int kernelW,
        int strideH, int strideW, bool samePadding, int dilationH = 1, int dilationW = 1)
    {
        int outH = OutputSize(inH, kernelH, strideH, dilationH, samePadding);
        int outW = OutputSize(inW, kernelW, strideW, dilationW, samePadding);
        var g = Conv2DGeometry.Create(batch, outH, outW, filters, inC, kernelH, kernelW, strideH, strideW, samePadding, dilationH, dilationW);
        if (g.OutH != inH || g.OutW != inW)
            throw new ArgumentException($"Transposed convolution geometry {g} does not map back onto an input of {inH}×{inW}.");
        return g;
    }
}
