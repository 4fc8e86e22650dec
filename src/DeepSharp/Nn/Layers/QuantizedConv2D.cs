using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An int8 Conv2D (NHWC), made by <c>DeepSharp.Compression.Quantization</c> from a trained
/// <see cref="Conv2D"/>: the input is quantized to u8, each window multiplied by the per-filter
/// int8 kernel in int32 (padding reads the zero point, i.e. 0.0) and requantized to float with the
/// bias (and ReLU) fused. Inference only.
/// </summary>
public sealed class QuantizedConv2D : Layer, IQuantizedLayer
{
    private QuantizedKernel? _weights;

    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">(height, width) of the window.</param>
    /// <param name="strides">Step between windows; null for (1, 1).</param>
    /// <param name="padding">Valid or Same, as <see cref="Conv2D"/>.</param>
    /// <param name="dilationRate">Spacing between taps; null for (1, 1).</param>
    /// <param name="activation">Applied to the output (ReLU is fused); null for linear.</param>
    /// <param name="useBias">Whether the layer adds a (float) bias per filter.</param>
    /// <param name="name">The layer's name; null for a default.</param>
    /// <param name="inputShape">The per-sample input shape, for a model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public QuantizedConv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        (int H, int W)? dilationRate = null, Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "QuantizedConv2D needs a positive number of filters.");
        Filters = filters;
        KernelSize = Positive(kernelSize, nameof(kernelSize));
        Strides = Positive(strides ?? (1, 1), nameof(strides));
        DilationRate = Positive(dilationRate ?? (1, 1), nameof(dilationRate));
        Padding = padding.For(TypeName);
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
    }

    /// <inheritdoc/>
    public override string TypeName => "QuantizedConv2D";
    /// <summary>Output channels.</summary>
    public int Filters { get; }
    /// <summary>(height, width) of the window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public (int H, int W) Strides { get; }
    /// <summary>Spacing between taps.</summary>
    public (int H, int W) DilationRate { get; }
    /// <summary>Valid or Same.</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a bias.</summary>
    public bool UseBias { get; }
    /// <summary>The scale of the u8 input.</summary>
    public float InputScale => Weights.InputScale;
    /// <summary>The zero point of the u8 input.</summary>
    public int InputZeroPoint => Weights.InputZeroPoint;

    /// <inheritdoc/>
    QuantizedKernel IQuantizedLayer.Weights => Weights;

    internal QuantizedKernel Weights => _weights ?? throw new InvalidOperationException($"Layer '{Name}' is not built.");

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        var kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], Filters), Initializer.Zeros, false);
        var scale = AddWeight("kernel_scale", new Shape(Filters), Initializer.Ones, false);
        var bias = UseBias ? AddWeight("bias", new Shape(Filters), Initializer.Zeros, false) : null;
        var inputScale = AddWeight("input_scale", new Shape(1), Initializer.Ones, false);
        var zeroPoint = AddWeight("input_zero_point", new Shape(1), Initializer.Zeros, false);
        _weights = new QuantizedKernel(kernel, scale, bias, inputScale, zeroPoint);
    }

    /// <summary>(output height, output width, filters), as <see cref="Conv2D"/>.</summary>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[0], KernelSize.H, Strides.H, DilationRate.H, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[1], KernelSize.W, Strides.W, DilationRate.W, Padding);
        return new Shape(h, w, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var built = BuiltInputShape!.Value;
        if (x.Rank != 4 || x.Shape[3] != built[2]) throw ShapeError($"(batch, height, width, {built[2]})", x.Shape.WithoutBatch());
        var g = Conv2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], Filters, KernelSize.H, KernelSize.W,
            Strides.H, Strides.W, Padding == Padding.Same, DilationRate.H, DilationRate.W);
        bool relu = Activation == Activation.Relu;
        var (w, output) = Weights.Prepared(KernelSize.H * KernelSize.W * built[2], Filters, relu);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutH, g.OutW, Filters));
        Int8Conv2D.Forward(g, x.Span, w, output, y.Span);
        return relu ? y : Activation.Apply(y);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = Naming.Pair(KernelSize);
        config["strides"] = Naming.Pair(Strides);
        config["padding"] = Padding.ToName();
        config["dilation_rate"] = Naming.Pair(DilationRate);
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        return config;
    }

    internal static QuantizedConv2D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"), c.Pair("kernel_size", null), c.Pair("strides", (1, 1)), c.Padding(),
        c.Pair("dilation_rate", (1, 1)), c.Activation("activation"), c.Bool("use_bias", true), c.Name, c.Shape("input_shape"));

    private static (int, int) Positive((int H, int W) pair, string name) =>
        pair.H > 0 && pair.W > 0 ? pair : throw new ArgumentOutOfRangeException(name, pair, $"QuantizedConv2D {name} must be positive.");
}
