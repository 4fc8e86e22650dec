namespace DeepSharp.Kernels.Cpu;

/// <summary>Shape of one 3-D pooling over channels-last volumes (N, D, H, W, C); channels pooled independently.</summary>
/// <remarks>
/// As with <see cref="Pool2DGeometry"/>, <see cref="Validate"/> (called by every pooling kernel)
/// proves in 64-bit arithmetic that no 32-bit index the kernels compute can wrap.
/// </remarks>
internal readonly record struct Pool3DGeometry(
    int Batch, int InD, int InH, int InW, int Channels,
    int PoolD, int PoolH, int PoolW, int StrideD, int StrideH, int StrideW,
    int PadFront, int PadTop, int PadLeft, int OutD, int OutH, int OutW)
{
    public int InputLength => Batch * InD * InH * InW * Channels;
    public int OutputLength => Batch * OutD * OutH * OutW * Channels;

    /// <summary>Builds the geometry for Keras-style padding ("valid" floors; "same" gives ⌈in/stride⌉).</summary>
    /// <exception cref="ArgumentException">A size is out of range or the pooling does not fit 32-bit indexing.</exception>
    public static Pool3DGeometry Create(int batch, (int D, int H, int W) input, int channels, (int D, int H, int W) pool,
        (int D, int H, int W) strides, bool samePadding)
    {
        var (outD, padFront) = Conv2DGeometry.OutputSize(input.D, pool.D, strides.D, 1, samePadding);
        var (outH, padTop) = Conv2DGeometry.OutputSize(input.H, pool.H, strides.H, 1, samePadding);
        var (outW, padLeft) = Conv2DGeometry.OutputSize(input.W, pool.W, strides.W, 1, samePadding);
        var g = new Pool3DGeometry(batch, input.D, input.H, input.W, channels, pool.D, pool.H, pool.W,
            strides.D, strides.H, strides.W, padFront, padTop, padLeft, outD, outH, outW);
        g.Validate();
        return g;
    }

    /// <summary>
    /// Checks sizes (non-negative; pool and stride positive), that the input and output lengths fit
    /// in an int, and that along each axis the reach of the windows fits in an int.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || InD < 0 || InH < 0 || InW < 0 || Channels < 0 || OutD < 0 || OutH < 0 || OutW < 0
            || PadFront < 0 || PadTop < 0 || PadLeft < 0 || PoolD < 1 || PoolH < 1 || PoolW < 1 || StrideD < 1 || StrideH < 1 || StrideW < 1)
            throw new ArgumentException($"Invalid 3-D pooling geometry {this}: sizes must be non-negative and pool and stride positive.");
        if ((double)Batch * InD * InH * InW * Channels > int.MaxValue || (double)Batch * OutD * OutH * OutW * Channels > int.MaxValue)
            throw new ArgumentException($"3-D pooling geometry {this} has buffers of more than 2^31 − 1 elements.");
        CheckAxis("depth", InD, OutD, PoolD, StrideD, PadFront);
        CheckAxis("height", InH, OutH, PoolH, StrideH, PadTop);
        CheckAxis("width", InW, OutW, PoolW, StrideW, PadLeft);
    }

    /// <summary>The in-bounds input range [lo, hi) of window <paramref name="o"/> along one axis.</summary>
    public static (int Lo, int Hi) Window(int o, int stride, int pad, int pool, int input)
    {
        int start = o * stride - pad;
        return (Math.Max(start, 0), Math.Min(start + pool, input));
    }

    private void CheckAxis(string axis, int input, int output, int pool, int stride, int pad)
    {
        long reach = Math.Max(output - 1L, 0) * stride + pool;
        if (reach > int.MaxValue || (long)input + pad > int.MaxValue || (long)pad + stride > int.MaxValue)
            throw new ArgumentException(
                $"3-D pooling geometry {this}: along the {axis} a pool of {pool} with stride {stride} reaches {reach} elements (input {input}, padding {pad}), more than 2^31 − 1.");
    }
}
