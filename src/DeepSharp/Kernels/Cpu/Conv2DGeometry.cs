namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one 2-D convolution over NHWC data with a (KH, KW, Cin, Cout) kernel.
/// Padding is given explicitly (top/left); bottom/right padding is whatever makes OutH/OutW fit.
/// </summary>
public readonly record struct Conv2DGeometry(
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
    public static Conv2DGeometry Create(int batch, int inH, int inW, int inC, int outC, int kernelH, int kernelW,
        int strideH, int strideW, bool samePadding, int dilationH = 1, int dilationW = 1)
    {
        var (outH, padTop) = OutputSize(inH, kernelH, strideH, dilationH, samePadding);
        var (outW, padLeft) = OutputSize(inW, kernelW, strideW, dilationW, samePadding);
        return new Conv2DGeometry(batch, inH, inW, inC, outC, kernelH, kernelW, strideH, strideW,
            padTop, padLeft, outH, outW, dilationH, dilationW);
    }

    /// <summary>
    /// Output size and leading padding along one axis, as Keras/TensorFlow compute them:
    /// "valid" floors (in − effectiveKernel)/stride + 1; "same" gives ⌈in/stride⌉ and pads
    /// total = max((out−1)·stride + effectiveKernel − in, 0), ⌊total/2⌋ before, the rest after.
    /// </summary>
    public static (int Out, int PadBefore) OutputSize(int input, int kernel, int stride, int dilation, bool samePadding)
    {
        int effective = (kernel - 1) * dilation + 1;
        if (samePadding)
        {
            int output = (input + stride - 1) / stride;
            int total = Math.Max((output - 1) * stride + effective - input, 0);
            return (output, total / 2);
        }
        return (input >= effective ? (input - effective) / stride + 1 : 0, 0);
    }
}
