using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An int8 Dense, made by <c>DeepSharp.Compression.Quantization</c> from a trained
/// <see cref="Dense"/>: the input is quantized to u8 with its calibrated scale and zero point,
/// multiplied by the per-channel int8 kernel in int32 and requantized to float with the bias (and
/// ReLU) fused. Inference only: it has no trainable weights and passes no gradient.
/// </summary>
public sealed class QuantizedDense : Layer, IQuantizedLayer
{
    private QuantizedKernel? _weights;

    /// <param name="units">Output channels.</param>
    /// <param name="activation">Applied to the output (ReLU is fused into the int8 kernel); null for linear.</param>
    /// <param name="useBias">Whether the layer adds a (float) bias.</param>
    /// <param name="name">The layer's name; null for a default.</param>
    /// <param name="inputShape">The per-sample input shape, for a model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive.</exception>
    public QuantizedDense(int units, Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "QuantizedDense needs a positive number of units.");
        Units = units;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
    }

    /// <inheritdoc/>
    public override string TypeName => "QuantizedDense";
    /// <summary>Output channels.</summary>
    public int Units { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a bias.</summary>
    public bool UseBias { get; }
    /// <summary>The scale of the u8 input (real = (q − <see cref="InputZeroPoint"/>) · scale).</summary>
    public float InputScale => Weights.InputScale;
    /// <summary>The zero point of the u8 input.</summary>
    public int InputZeroPoint => Weights.InputZeroPoint;

    /// <inheritdoc/>
    QuantizedKernel IQuantizedLayer.Weights => Weights;

    internal QuantizedKernel Weights => _weights ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        var kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), Initializer.Zeros, false);
        var scale = AddWeight("kernel_scale", new Shape(Units), Initializer.Ones, false);
        var bias = UseBias ? AddWeight("bias", new Shape(Units), Initializer.Zeros, false) : null;
        var inputScale = AddWeight("input_scale", new Shape(1), Initializer.Ones, false);
        var zeroPoint = AddWeight("input_zero_point", new Shape(1), Initializer.Zeros, false);
        _weights = new QuantizedKernel(kernel, scale, bias, inputScale, zeroPoint);
    }

    /// <summary>The input shape with its last axis replaced by <see cref="Units"/>.</summary>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        var dims = inputShape.ToArray();
        dims[^1] = Units;
        return new Shape(dims);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int features = BuiltInputShape!.Value[-1];
        if (x.Shape[-1] != features) throw ShapeError($"(batch, ..., {features})", x.Shape.WithoutBatch());
        bool relu = Activation == Activation.Relu;
        var (w, output) = Weights.Prepared(features, Units, relu);
        int rows = x.Shape.Size / Math.Max(1, features);
        var y = Tensor.Temp(x.Shape.With(-1, Units));
        Int8Linear.Forward(rows, x.Span, w, output, y.Span);
        return relu ? y : Activation.Apply(y);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        return config;
    }

    internal static QuantizedDense FromConfig(LayerConfig c) => new(
        c.RequiredSize("units"), c.Activation("activation"), c.Bool("use_bias", true), c.Name, c.Shape("input_shape"));
}
