namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Where a quantized layer's requantizing epilogue writes: float outputs, or u8 outputs on the
/// grid of the next quantized layer's input (scale, zero point), so that activations stay bytes
/// between quantized layers. The u8 form quantizes the very float values the float form writes,
/// with <see cref="Int8Quantize"/>, so both give the next layer the same bytes.
/// </summary>
internal readonly unsafe struct Int8Destination
{
    private Int8Destination(float* floats, byte* bytes, float scale, int zeroPoint)
    {
        Floats = floats;
        Bytes = bytes;
        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    /// <summary>The float outputs, or null when the outputs are bytes.</summary>
    public float* Floats { get; }
    /// <summary>The u8 outputs, or null when the outputs are floats.</summary>
    public byte* Bytes { get; }
    /// <summary>The u8 outputs' scale (real = (q − zero point) · scale).</summary>
    public float Scale { get; }
    /// <summary>The u8 outputs' zero point.</summary>
    public int ZeroPoint { get; }

    /// <summary>Float outputs at <paramref name="y"/>.</summary>
    public static Int8Destination ToFloats(float* y) => new(y, null, 1f, 0);

    /// <summary>u8 outputs at <paramref name="q"/>, quantized with (<paramref name="scale"/>, <paramref name="zeroPoint"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite, or the zero point is outside [0, 255].</exception>
    public static Int8Destination ToBytes(byte* q, float scale, int zeroPoint)
    {
        if (!(scale > 0f) || !float.IsFinite(scale) || zeroPoint is < 0 or > 255)
            throw new ArgumentOutOfRangeException(nameof(scale), $"Int8 output quantization needs a positive finite scale and a zero point in [0, 255]; got {scale}, {zeroPoint}.");
        return new(null, q, scale, zeroPoint);
    }

    /// <summary>
    /// The epilogue over <paramref name="rows"/> rows of int32 sums (stride n), written at row
    /// <paramref name="firstRow"/> of the destination: floats, or bytes quantized in registers
    /// (<see cref="Int8Epilogue.ToBytes"/>).
    /// </summary>
    public void Finish(int* acc, int rows, Int8Weights w, Int8Output output, long firstRow)
    {
        int n = w.N;
        if (Floats == null)
        {
            fixed (int* columnSums = w.ColumnSums)
            fixed (float* channelScales = output.Scales)
            fixed (float* channelBias = output.Bias)
                Int8Epilogue.ToBytes(acc, rows, n, output.InputZeroPoint, columnSums, channelScales, channelBias, output.Relu, Scale, ZeroPoint, Bytes + firstRow * n);
            return;
        }
        float* y = Floats + firstRow * n;
        fixed (int* sums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
            for (int r = 0; r < rows; r++)
                Int8Epilogue.ToFloat(acc + (long)r * n, n, output.InputZeroPoint, sums, scales, bias, output.Relu, y + (long)r * n);
    }
}
