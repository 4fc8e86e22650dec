namespace DeepSharp.Kernels.Cpu;

/// <summary>Shape of one 2-D pooling over NHWC data (channels pooled independently).</summary>
/// <remarks>
/// As with <see cref="Conv2DGeometry"/>, <see cref="Validate"/> (called by every pooling kernel)
/// proves in 64-bit arithmetic that no 32-bit index the kernels compute can wrap.
/// </remarks>
internal readonly record struct Pool2DGeometry(
    int Batch, int InH, int InW, int Channels,
    int PoolH, int PoolW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int OutH, int OutW)
{
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * Channels;

    /// <summary>Builds the geometry for Keras-style padding ("valid" floors; "same" gives ⌈in/stride⌉).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range or the pooling does not fit 32-bit indexing.</exception>
    public static Pool2DGeometry Create(int batch, int inH, int inW, int channels, int poolH, int poolW,
        int strideH, int strideW, bool samePadding)
    {
        var (outH, padTop) = Conv2DGeometry.OutputSize(inH, poolH, strideH, 1, samePadding);
        var (outW, padLeft) = Conv2DGeometry.OutputSize(inW, poolW, strideW, 1, samePadding);
        var g = new Pool2DGeometry(batch, inH, inW, channels, poolH, poolW, strideH, strideW, padTop, padLeft, outH, outW);
        g.Validate();
        return g;
    }

    /// <summary>
    /// Checks sizes (non-negative; pool and stride positive), that the input and output lengths fit
    /// in an int, and that along each axis the reach of the windows, (out − 1) · stride + pool, the
    /// input plus its padding and the padding plus the stride fit in an int.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InH < 0 || InW < 0 || Channels < 0 || OutH < 0 || OutW < 0 || PadTop < 0 || PadLeft < 0
            || PoolH < 1 || PoolW < 1 || StrideH < 1 || StrideW < 1)
            throw new ArgumentException($"Invalid pooling geometry {this}: sizes must be non-negative and pool and stride positive.");
        if ((long)Batch * InH * InW * Channels > int.MaxValue || (long)Batch * OutH * OutW * Channels > int.MaxValue)
            throw new ArgumentException($"Pooling geometry {this} has buffers of more than 2^31 − 1 elements.");
        CheckAxis("height", InH, OutH, PoolH, StrideH, PadTop);
        CheckAxis("width", InW, OutW, PoolW, StrideW, PadLeft);
    }

    private void CheckAxis(string axis, int input, int output, int pool, int stride, int pad)
    {
        long reach = Math.Max(output - 1L, 0) * stride + pool;
        if (reach > int.MaxValue || (long)input + pad > int.MaxValue || (long)pad + stride > int.MaxValue)
            throw new ArgumentException(
                $"Pooling geometry {this}: along the {axis} a pool of {pool} with stride {stride} reaches {reach} elements (input {input}, padding {pad}), more than 2^31 − 1.");
    }
}
