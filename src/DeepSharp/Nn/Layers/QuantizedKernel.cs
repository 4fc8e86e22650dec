using DeepSharp.Kernels.Cpu.Int8;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The weights a quantized layer shares: an int8 kernel (whole numbers in [−127, 127], stored as
/// I8), one positive scale per output channel ("kernel_scale", real weight = kernel · scale), the
/// float bias, and the input's quantization ("input_scale", "input_zero_point" stored as U8:
/// real input = (q − zero point) · scale). The packed kernel for the int8 GEMM is made on first use
/// and dropped when a file loads new values.
/// </summary>
internal sealed class QuantizedKernel
{
    private readonly Parameter _kernel, _kernelScale, _inputScale, _inputZeroPoint;
    private readonly Parameter? _bias;
    private (Int8Weights Weights, Int8Output Output)? _prepared;

    public QuantizedKernel(Parameter kernel, Parameter kernelScale, Parameter? bias, Parameter inputScale, Parameter inputZeroPoint)
    {
        (_kernel, _kernelScale, _bias, _inputScale, _inputZeroPoint) = (kernel, kernelScale, bias, inputScale, inputZeroPoint);
        kernel.Storage = WeightStorage.Int8;
        inputZeroPoint.Storage = WeightStorage.UInt8;
        kernel.BeforeLoad = values => Reset(CheckKernel(values));
        kernelScale.BeforeLoad = values => Reset(CheckScales(values, "channel"));
        inputScale.BeforeLoad = values => Reset(CheckScales(values, "index"));
        inputZeroPoint.BeforeLoad = _ => Reset(null);
        if (bias is not null) bias.BeforeLoad = values => Reset(CheckFinite(values));
    }

    /// <summary>The input's scale.</summary>
    public float InputScale => _inputScale.Value.Span[0];

    /// <summary>The input's zero point, in [0, 255].</summary>
    public int InputZeroPoint => (int)_inputZeroPoint.Value.Span[0];

    /// <summary>Sets every weight (from <c>Quantization</c>), after checking them as a file load would.</summary>
    /// <exception cref="ArgumentException">A value is out of range, a scale not positive and finite, or a length wrong.</exception>
    public void Assign(ReadOnlySpan<sbyte> kernel, ReadOnlySpan<float> kernelScale, ReadOnlySpan<float> bias, float inputScale, int inputZeroPoint)
    {
        if (kernel.Length != _kernel.Value.Span.Length || kernelScale.Length != _kernelScale.Value.Span.Length
            || (_bias is not null && bias.Length != _bias.Value.Span.Length))
            throw new ArgumentException($"Quantized weights of '{_kernel.Owner!.Name}': lengths {kernel.Length}, {kernelScale.Length}, {bias.Length} do not fit {_kernel.Shape}, {_kernelScale.Shape}.");
        if ((CheckScales(kernelScale.ToArray(), "channel") ?? CheckScales([inputScale], "index")) is { } problem)
            throw new ArgumentException($"Quantized weights of '{_kernel.Owner!.Name}': {problem}");
        if (inputZeroPoint is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(inputZeroPoint), inputZeroPoint, "A u8 zero point lies in [0, 255].");
        var k = _kernel.Value.Span;
        for (int i = 0; i < kernel.Length; i++) k[i] = kernel[i];
        kernelScale.CopyTo(_kernelScale.Value.Span);
        if (_bias is not null) bias.CopyTo(_bias.Value.Span);
        _inputScale.Value.Span[0] = inputScale;
        _inputZeroPoint.Value.Span[0] = inputZeroPoint;
        _prepared = null;
    }

    /// <summary>The packed kernel and epilogue for a (k, n) product, made once.</summary>
    public (Int8Weights Weights, Int8Output Output) Prepared(int k, int n, bool relu)
    {
        if (_prepared is { } ready) return ready;
        var values = _kernel.Value.Span;
        var bytes = new sbyte[values.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (sbyte)values[i];
        float inputScale = InputScale;
        var channelScales = _kernelScale.Value.Span;
        var scales = new float[n];
        for (int j = 0; j < n; j++) scales[j] = inputScale * channelScales[j];
        var output = new Int8Output(inputScale, InputZeroPoint, scales, _bias?.Value.ToArray(), relu);
        var made = (Int8Weights.Pack(bytes, k, n, Int8Paths.Best), output);
        _prepared = made;
        return made;
    }

    private string? Reset(string? problem)
    {
        if (problem is null) _prepared = null;
        return problem;
    }

    private static string? CheckKernel(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (values[i] < -127f) return $"holds {values[i]} at {i}; an int8 kernel lies in [-127, 127].";
        return null;
    }

    private static string? CheckScales(float[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] > 0f) || !float.IsFinite(values[i]))
                return $"holds scale {values[i]} at {what} {i}; quantization scales must be positive and finite.";
        return null;
    }

    private static string? CheckFinite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return $"holds {values[i]} at {i}; a quantized layer's bias must be finite.";
        return null;
    }
}
