using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An int8 Add of two inputs, made by <c>DeepSharp.Compression.Quantization</c> from an
/// <see cref="Add"/> between int8 layers (TFLite's quantized ADD, ONNX Runtime's QLinearAdd): each
/// input is a u8 tensor on its own calibrated grid ("input_scale", "input_zero_point", one per
/// input), the sum is requantized to the output's grid ("output_scale", "output_zero_point") in
/// integers only, with fixed-point multipliers (<c>Int8Add</c>), and a following ReLU may be fused
/// (the output is clamped at its zero point, 0.0). Called on floats, it quantizes each input, adds
/// the bytes and returns the sum's bytes read back as floats — the very values a functional
/// model's Predict passes on as bytes. Inference only.
/// </summary>
public sealed class QuantizedAdd : MergeLayer
{
    private Parameter? _inputScale, _inputZeroPoint, _outputScale, _outputZeroPoint;
    private StrongBox<Int8AddParameters>? _prepared; // one reference, written whole: threads that predict at once read it safely

    /// <param name="activation">ReLU (fused: the output clamps at 0.0) or null/linear.</param>
    /// <param name="name">The layer's name; null for a default.</param>
    /// <exception cref="ArgumentException">The activation is neither ReLU nor linear.</exception>
    public QuantizedAdd(Activation? activation = null, string? name = null) : base(name)
    {
        Activation = activation ?? Activation.Linear;
        if (Activation != Activation.Relu && Activation != Activation.Linear)
            throw new ArgumentException($"QuantizedAdd fuses ReLU or nothing; got activation '{Activation.Name}'.", nameof(activation));
    }

    /// <inheritdoc/>
    public override string TypeName => "QuantizedAdd";

    /// <summary>ReLU when fused, else linear.</summary>
    public Activation Activation { get; }

    /// <summary>The scale of input <paramref name="index"/> (0 or 1): real = (q − zero point) · scale.</summary>
    public float InputScale(int index) => Weight(_inputScale).Value.Span[CheckIndex(index)];

    /// <summary>The zero point of input <paramref name="index"/> (0 or 1), in [0, 255].</summary>
    public int InputZeroPoint(int index) => (int)Weight(_inputZeroPoint).Value.Span[CheckIndex(index)];

    /// <summary>The scale of the u8 sum.</summary>
    public float OutputScale => Weight(_outputScale).Value.Span[0];

    /// <summary>The zero point of the u8 sum, in [0, 255].</summary>
    public int OutputZeroPoint => (int)Weight(_outputZeroPoint).Value.Span[0];

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _inputScale = AddWeight("input_scale", new Shape(2), Initializer.Ones, false);
        _inputZeroPoint = AddWeight("input_zero_point", new Shape(2), Initializer.Zeros, false);
        _outputScale = AddWeight("output_scale", new Shape(1), Initializer.Ones, false);
        _outputZeroPoint = AddWeight("output_zero_point", new Shape(1), Initializer.Zeros, false);
        _inputZeroPoint.Storage = WeightStorage.UInt8;
        _outputZeroPoint.Storage = WeightStorage.UInt8;
        _inputScale.BeforeLoad = values => Reset(CheckScales(values));
        _outputScale.BeforeLoad = values => Reset(CheckScales(values));
        _inputZeroPoint.BeforeLoad = _ => Reset(null);
        _outputZeroPoint.BeforeLoad = _ => Reset(null);
    }

    /// <summary>The inputs' common shape: exactly two inputs of one shape.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 2)
            throw new ArgumentException($"Layer '{Name}' (QuantizedAdd) adds exactly 2 inputs; got {inputShapes.Count}.", nameof(inputShapes));
        return SameShapes(inputShapes);
    }

    /// <inheritdoc/>
    protected override unsafe Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var p = Prepared();
        long n = inputs[0].Size;
        byte* q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, 3 * n);
        var y = Tensor.Temp(inputs[0].Shape);
        fixed (float* a = inputs[0].Span)
        fixed (float* b = inputs[1].Span)
        fixed (float* py = y.Span)
        {
            Int8Quantize.ToUInt8(a, (int)n, InputScale(0), InputZeroPoint(0), q);
            Int8Quantize.ToUInt8(b, (int)n, InputScale(1), InputZeroPoint(1), q + n);
            Int8Add.Forward(q, q + n, n, p, q + 2 * n);
            Int8Add.Dequantize(q + 2 * n, n, OutputScale, OutputZeroPoint, py);
        }
        return y;
    }

    /// <summary>The kernel's fixed-point constants for the current grids, made once (and again after a file loads new grids).</summary>
    /// <exception cref="InvalidOperationException">The grids cannot be added in fixed point (the output scale is below 2^−19 of an input's).</exception>
    internal Int8AddParameters Prepared()
    {
        if (_prepared is { } ready) return ready.Value;
        try
        {
            var made = Int8AddParameters.Create(InputScale(0), InputZeroPoint(0), InputScale(1), InputZeroPoint(1), OutputScale, OutputZeroPoint, Activation == Activation.Relu);
            _prepared = new StrongBox<Int8AddParameters>(made);
            return made;
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidOperationException($"Layer '{Name}' (QuantizedAdd): {e.Message}", e);
        }
    }

    /// <summary>Sets the three grids (from <c>Quantization</c>), after checking them as a file load would.</summary>
    /// <exception cref="ArgumentException">A scale is not positive and finite, a zero point outside [0, 255], or the grids do not add in fixed point.</exception>
    internal void Assign((float Scale, int ZeroPoint) a, (float Scale, int ZeroPoint) b, (float Scale, int ZeroPoint) output)
    {
        try
        {
            Int8AddParameters.Create(a.Scale, a.ZeroPoint, b.Scale, b.ZeroPoint, output.Scale, output.ZeroPoint, Activation == Activation.Relu);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"Layer '{Name}' (QuantizedAdd): {e.Message}", e);
        }
        var scales = Weight(_inputScale).Value.Span;
        var zeros = Weight(_inputZeroPoint).Value.Span;
        (scales[0], zeros[0], scales[1], zeros[1]) = (a.Scale, a.ZeroPoint, b.Scale, b.ZeroPoint);
        Weight(_outputScale).Value.Span[0] = output.Scale;
        Weight(_outputZeroPoint).Value.Span[0] = output.ZeroPoint;
        _prepared = null;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activation.Name;
        return config;
    }

    internal static QuantizedAdd FromConfig(LayerConfig c) => new(c.Activation("activation"), c.Name);

    private Parameter Weight(Parameter? p) => p ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    private static int CheckIndex(int index) =>
        index is 0 or 1 ? index : throw new ArgumentOutOfRangeException(nameof(index), index, "QuantizedAdd has inputs 0 and 1.");

    private string? Reset(string? problem)
    {
        if (problem is null) _prepared = null;
        return problem;
    }

    private static string? CheckScales(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] > 0f) || !float.IsFinite(values[i]))
                return $"holds scale {values[i]} at index {i}; quantization scales must be positive and finite.";
        return null;
    }
}
