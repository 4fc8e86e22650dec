namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one 3-D convolution over channels-last volumes (N, D, H, W, Cin) with a
/// (KD, KH, KW, Cin/groups, Cout) kernel. Padding is given explicitly (front/top/left); the far side
/// gets whatever makes OutD/OutH/OutW fit. Groups split the input and output channels into that
/// many independent convolutions (Keras's <c>groups</c>).
/// </summary>
/// <remarks>
/// As with <see cref="Conv2DGeometry"/>, <see cref="Validate"/> (called by every kernel entry point)
/// proves in 64-bit arithmetic that no 32-bit index the kernels compute can wrap.
/// </remarks>
internal readonly record struct Conv3DGeometry(
    int Batch, int InD, int InH, int InW, int InC,
    int OutC, int KernelD, int KernelH, int KernelW,
    int StrideD, int StrideH, int StrideW,
    int PadFront, int PadTop, int PadLeft,
    int OutD, int OutH, int OutW,
    int DilationD = 1, int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    public int InputLength => Batch * InD * InH * InW * InC;
    public int OutputLength => Batch * OutD * OutH * OutW * OutC;
    /// <summary>Input channels per group (the kernel's fourth axis).</summary>
    public int GroupInC => InC / Groups;
    /// <summary>Output channels per group.</summary>
    public int GroupOutC => OutC / Groups;
    public int KernelLength => KernelD * KernelH * KernelW * GroupInC * OutC;
    /// <summary>Taps of one window, KD·KH·KW.</summary>
    public int Taps => KernelD * KernelH * KernelW;

    /// <summary>Builds the geometry for Keras-style padding ("valid" or "same").</summary>
    /// <exception cref="ArgumentException">A size is out of range, the groups do not divide the channels, or the convolution does not fit 32-bit indexing.</exception>
    public static Conv3DGeometry Create(int batch, (int D, int H, int W) input, int inC, int outC, (int D, int H, int W) kernel,
        (int D, int H, int W) strides, bool samePadding, (int D, int H, int W) dilation, int groups = 1)
    {
        var (outD, padFront) = Conv2DGeometry.OutputSize(input.D, kernel.D, strides.D, dilation.D, samePadding);
        var (outH, padTop) = Conv2DGeometry.OutputSize(input.H, kernel.H, strides.H, dilation.H, samePadding);
        var (outW, padLeft) = Conv2DGeometry.OutputSize(input.W, kernel.W, strides.W, dilation.W, samePadding);
        var g = new Conv3DGeometry(batch, input.D, input.H, input.W, inC, outC, kernel.D, kernel.H, kernel.W,
            strides.D, strides.H, strides.W, padFront, padTop, padLeft, outD, outH, outW, dilation.D, dilation.H, dilation.W, groups);
        g.Validate();
        return g;
    }

    /// <summary>
    /// Checks sizes (non-negative; kernel, stride, dilation and groups positive, groups dividing both
    /// channel counts), that every buffer length fits in an int, and that along each axis every
    /// coordinate a tap reaches fits in an int.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InD < 0 || InH < 0 || InW < 0 || InC < 0 || OutC < 0 || OutD < 0 || OutH < 0 || OutW < 0
            || PadFront < 0 || PadTop < 0 || PadLeft < 0 || KernelD < 1 || KernelH < 1 || KernelW < 1
            || StrideD < 1 || StrideH < 1 || StrideW < 1 || DilationD < 1 || DilationH < 1 || DilationW < 1 || Groups < 1)
            throw new ArgumentException($"Invalid 3-D convolution geometry {this}: sizes must be non-negative and kernel, stride, dilation and groups positive.");
        if (InC % Groups != 0 || OutC % Groups != 0)
            throw new ArgumentException($"3-D convolution geometry {this}: groups {Groups} must divide the input channels {InC} and the filters {OutC}.");
        // In doubles: products of five or six ints can exceed a long.
        if ((double)Batch * InD * InH * InW * InC > int.MaxValue || (double)Batch * OutD * OutH * OutW * OutC > int.MaxValue
            || (double)KernelD * KernelH * KernelW * InC * OutC > int.MaxValue
            || (double)OutH * OutW * KernelD * KernelH * KernelW * InC > int.MaxValue)
            throw new ArgumentException($"3-D convolution geometry {this} has buffers of more than 2^31 − 1 elements.");
        CheckAxis("depth", InD, OutD, KernelD, StrideD, DilationD, PadFront);
        CheckAxis("height", InH, OutH, KernelH, StrideH, DilationH, PadTop);
        CheckAxis("width", InW, OutW, KernelW, StrideW, DilationW, PadLeft);
    }

    private void CheckAxis(string axis, int input, int output, int kernel, int stride, int dilation, int pad)
    {
        long reach = Math.Max(output - 1L, 0) * stride + Conv2DGeometry.EffectiveSize(kernel, dilation);
        if (reach > int.MaxValue || (long)input + pad > int.MaxValue || (long)pad + stride > int.MaxValue)
            throw new ArgumentException(
                $"3-D convolution geometry {this}: along the {axis} a kernel of {kernel} with dilation {dilation} and stride {stride} reaches {reach} elements " +
                $"(input {input}, padding {pad}), more than 2^31 − 1.");
    }
}
