namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one 2-D convolution over NHWC data with a (KH, KW, Cin, Cout) kernel.
/// Padding is given explicitly (top/left); bottom/right padding is whatever makes OutH/OutW fit.
/// </summary>
/// <remarks>
/// The kernels index with 32-bit integers and pointers: <see cref="Validate"/> (called by every
/// kernel entry point) proves, in 64-bit arithmetic, that every buffer length and every input
/// coordinate a tap can reach (output position · stride − padding + tap · dilation) fits in an int,
/// so no index computed inside a kernel can wrap. <see cref="OutputSize"/> refuses sizes whose
/// padded extent does not fit.
/// </remarks>
internal readonly record struct Conv2DGeometry(
    int Batch, int InH, int InW, int InC,
    int OutC, int KernelH, int KernelW,
    int StrideH, int StrideW,
    int PadTop, int PadLeft,
    int OutH, int OutW,
    int DilationH = 1, int DilationW = 1)
{
    public int InputLength => Batch * InH * InW * InC;
    public int OutputLength => Batch * OutH * OutW * OutC;
    public int KernelLength => KernelH * KernelW * InC * OutC;

    /// <summary>Builds the geometry for Keras-style padding ("valid" or "same").</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the convolution does not fit 32-bit indexing.</exception>
    public static Conv2DGeometry Create(int batch, int inH, int inW, int inC, int outC, int kernelH, int kernelW,
        int strideH, int strideW, bool samePadding, int dilationH = 1, int dilationW = 1)
    {
        var (outH, padTop) = OutputSize(inH, kernelH, strideH, dilationH, samePadding);
        var (outW, padLeft) = OutputSize(inW, kernelW, strideW, dilationW, samePadding);
        var g = new Conv2DGeometry(batch, inH, inW, inC, outC, kernelH, kernelW, strideH, strideW,
            padTop, padLeft, outH, outW, dilationH, dilationW);
        g.Validate();
        return g;
    }

    /// <summary>The extent of a dilated kernel along one axis, (kernel − 1) · dilation + 1, in 64 bits (never wraps).</summary>
    public static long EffectiveSize(int kernel, int dilation) => (kernel - 1L) * dilation + 1;

    /// <summary>
    /// Output size and leading padding along one axis, as Keras/TensorFlow compute them:
    /// "valid" floors (in − effectiveKernel)/stride + 1 (0 when the dilated kernel is longer than the input);
    /// "same" gives ⌈in/stride⌉ and pads total = max((out−1)·stride + effectiveKernel − in, 0), ⌊total/2⌋
    /// before, the rest after. Computed in 64 bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The input is negative, the kernel, stride or dilation is not positive, or the padded input
    /// (or the reach of the dilated kernel) exceeds 2^31 − 1 elements.
    /// </exception>
    public static (int Out, int PadBefore) OutputSize(int input, int kernel, int stride, int dilation, bool samePadding)
    {
        if (input < 0 || kernel < 1 || stride < 1 || dilation < 1)
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"A convolution axis needs input ≥ 0 and kernel, stride and dilation ≥ 1; got input {input}, kernel {kernel}, stride {stride}, dilation {dilation}.");
        long effective = EffectiveSize(kernel, dilation);
        long output, padBefore;
        if (samePadding)
        {
            output = (input + (long)stride - 1) / stride;
            long total = Math.Max((output - 1) * stride + effective - input, 0);
            padBefore = total / 2;
            if (input + total > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(dilation),
                    $"A kernel of {kernel} with dilation {dilation} spans {effective} elements; with 'same' padding an input of {input} would be padded to {input + total}, more than 2^31 − 1.");
        }
        else
        {
            output = input >= effective ? (input - effective) / stride + 1 : 0;
            padBefore = 0;
        }
        return ((int)output, (int)padBefore);
    }

    /// <summary>
    /// Checks that the geometry is one the kernels can run without any 32-bit index wrapping: sizes
    /// non-negative, kernel, stride and dilation positive, the input, output and kernel lengths within
    /// int, and along each axis every coordinate a tap reaches, from −padding to
    /// (out − 1) · stride − padding + (kernel − 1) · dilation, within int (as are the input plus its
    /// padding and the padding plus the stride). Taps that fall outside the input read zeros; the
    /// kernels test each one.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InH < 0 || InW < 0 || InC < 0 || OutC < 0 || OutH < 0 || OutW < 0 || PadTop < 0 || PadLeft < 0
            || KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            throw new ArgumentException($"Invalid convolution geometry {this}: sizes must be non-negative and kernel, stride and dilation positive.");
        if ((long)Batch * InH * InW * InC > int.MaxValue || (long)Batch * OutH * OutW * OutC > int.MaxValue
            || (long)KernelH * KernelW * InC * OutC > int.MaxValue)
            throw new ArgumentException($"Convolution geometry {this} has buffers of more than 2^31 − 1 elements.");
        CheckAxis("height", InH, OutH, KernelH, StrideH, DilationH, PadTop);
        CheckAxis("width", InW, OutW, KernelW, StrideW, DilationW, PadLeft);
    }

    private void CheckAxis(string axis, int input, int output, int kernel, int stride, int dilation, int pad)
    {
        long reach = Math.Max(output - 1L, 0) * stride + EffectiveSize(kernel, dilation);
        if (reach > int.MaxValue || (long)input + pad > int.MaxValue || (long)pad + stride > int.MaxValue)
            throw new ArgumentException(
                $"Convolution geometry {this}: along the {axis} a kernel of {kernel} with dilation {dilation} and stride {stride} reaches {reach} elements " +
                $"(input {input}, padding {pad}), more than 2^31 − 1.");
    }
}
