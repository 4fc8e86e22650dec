namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// What a quantized Dense or convolution needs besides its packed weights: the input's
/// quantization (scale, zero point) and the per-channel output scales (input scale × weight
/// scale), bias and fused ReLU of <see cref="Int8Epilogue"/>.
/// </summary>
internal sealed record Int8Output(float InputScale, int InputZeroPoint, float[] Scales, float[]? Bias, bool Relu)
{
    /// <summary>Checks the arrays against <paramref name="n"/> output channels.</summary>
    public void Check(int n)
    {
        if (!(InputScale > 0f) || !float.IsFinite(InputScale) || InputZeroPoint is < 0 or > 255)
            throw new ArgumentOutOfRangeException(nameof(InputScale), $"Int8 input quantization needs a positive finite scale and a zero point in [0, 255]; got {InputScale}, {InputZeroPoint}.");
        if (Scales.Length != n || (Bias is not null && Bias.Length != n))
            throw new ArgumentException($"Int8 output: {n} channels, but {Scales.Length} scales and {Bias?.Length ?? n} biases.");
    }
}
