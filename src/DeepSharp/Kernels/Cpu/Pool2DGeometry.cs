namespace DeepSharp.Kernels.Cpu;

/// <summary>Shape of one 2-D pooling over NHWC data (channels pooled independently).</summary>
public readonly record struct Pool2DGeometry(
    int Batch, int InH, int InW, int Channels,
    int PoolH, int PoolW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int OutH, int OutW)
{
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * Channels;

    /// <summary>Builds the geometry for Keras-style padding ("valid" floors; "same" gives ⌈in/stride⌉).</summary>
    public static Pool2DGeometry Create(int batch, int inH, int inW, int channels, int poolH, int poolW,
        int strideH, int strideW, bool samePadding)
    {
        var (outH, padTop) = Conv2DGeometry.OutputSize(inH, poolH, strideH, 1, samePadding);
        var (outW, padLeft) = Conv2DGeometry.OutputSize(inW, poolW, strideW, 1, samePadding);
        return new Pool2DGeometry(batch, inH, inW, channels, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW);
    }
}
