using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An int8 Concatenate, made by <c>DeepSharp.Compression.Quantization</c> from a
/// <see cref="Concatenate"/> between int8 layers (TFLite's quantized CONCATENATION): every input
/// is put on the output's one calibrated grid ("output_scale", "output_zero_point") and the bytes
/// are joined along <see cref="Axis"/>, which is exact. Called on floats, it quantizes each input
/// to that grid and returns the joined bytes read back as floats — the values a functional model's
/// Predict passes on as bytes. Inference only.
/// </summary>
public sealed class QuantizedConcatenate : MergeLayer
{
    private Parameter? _outputScale, _outputZeroPoint;

    /// <summary>Joins along <paramref name="axis"/> of the batched tensors (never 0); −1 is the last.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
    public QuantizedConcatenate(int axis = -1, string? name = null) : base(name)
    {
        if (axis == 0) throw new ArgumentOutOfRangeException(nameof(axis), axis, "QuantizedConcatenate cannot join along the batch axis.");
        Axis = axis;
    }

    /// <inheritdoc/>
    public override string TypeName => "QuantizedConcatenate";

    /// <summary>The joined axis, counted with the batch axis as Keras does.</summary>
    public int Axis { get; }

    /// <summary>The mask rule of <see cref="Concatenate"/> (Keras's), which this layer replaces.</summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        return MergeMasks.Concatenated(this, inputs, masks, Axis);
    }

    /// <summary>The scale of the u8 output, which every input is put on.</summary>
    public float OutputScale => Weight(_outputScale).Value.Span[0];

    /// <summary>The zero point of the u8 output, in [0, 255].</summary>
    public int OutputZeroPoint => (int)Weight(_outputZeroPoint).Value.Span[0];

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _outputScale = AddWeight("output_scale", new Shape(1), Initializer.Ones, false);
        _outputZeroPoint = AddWeight("output_zero_point", new Shape(1), Initializer.Zeros, false);
        _outputZeroPoint.Storage = WeightStorage.UInt8;
        _outputScale.BeforeLoad = CheckScale;
    }

    /// <summary>As <see cref="Concatenate"/>: the sizes along the axis added, every other axis equal.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => Concatenate.JoinedShape(inputShapes, Axis, Name, TypeName);

    /// <inheritdoc/>
    protected override unsafe Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        float scale = OutputScale;
        int zero = OutputZeroPoint;
        var parts = new Tensor[inputs.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            int n = inputs[i].Size;
            byte* q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, n);
            parts[i] = Tensor.Temp(inputs[i].Shape);
            fixed (float* x = inputs[i].Span)
            fixed (float* y = parts[i].Span)
            {
                Int8Quantize.ToUInt8(x, n, scale, zero, q);
                Int8Add.Dequantize(q, n, scale, zero, y);
            }
        }
        return Ops.Concatenate(parts, Axis);
    }

    /// <summary>Joins byte tensors of <paramref name="shapes"/> (batch included) along the axis into <paramref name="y"/>.</summary>
    internal void JoinBytes(IReadOnlyList<byte[]> parts, IReadOnlyList<Shape> shapes, byte[] y)
    {
        int rank = shapes[0].Rank;
        int a = Axis < 0 ? Axis + rank : Axis;
        long outer = 1;
        for (int i = 0; i < a; i++) outer *= shapes[0][i];
        var inner = shapes.Select(s => (long)s.Size / Math.Max(1, outer)).ToArray();
        long offset = 0;
        for (long o = 0; o < outer; o++)
            for (int p = 0; p < parts.Count; p++)
            {
                Array.Copy(parts[p], o * inner[p], y, offset, inner[p]);
                offset += inner[p];
            }
    }

    /// <summary>Sets the output grid (from <c>Quantization</c>).</summary>
    /// <exception cref="ArgumentException">The scale is not positive and finite or the zero point outside [0, 255].</exception>
    internal void Assign(float scale, int zeroPoint)
    {
        if (!(scale > 0f) || !float.IsFinite(scale) || zeroPoint is < 0 or > 255)
            throw new ArgumentException($"Layer '{Name}' (QuantizedConcatenate): the output grid needs a positive finite scale and a zero point in [0, 255]; got {scale}, {zeroPoint}.");
        Weight(_outputScale).Value.Span[0] = scale;
        Weight(_outputZeroPoint).Value.Span[0] = zeroPoint;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }

    internal static QuantizedConcatenate FromConfig(LayerConfig c) => new(c.Axis("axis", -1), c.Name);

    private Parameter Weight(Parameter? p) => p ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    private static string? CheckScale(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] > 0f) || !float.IsFinite(values[i]))
                return $"holds scale {values[i]} at index {i}; quantization scales must be positive and finite.";
        return null;
    }
}
