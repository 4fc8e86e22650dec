using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An int8 Conv1D over (batch, steps, channels), made by <c>DeepSharp.Compression.Quantization</c>
/// from a trained <see cref="Conv1D"/>: the input is quantized to u8, each window multiplied by the
/// per-filter int8 kernel (kernel_size, channels, filters) in int32 (padding reads the zero point,
/// i.e. 0.0, exactly: 'causal' pads dilation·(kernel_size − 1) steps before each sequence and none after) and requantized to float with the bias (and ReLU) fused. It runs on the int8
/// convolution kernels as a convolution of height 1, as <see cref="Conv1D"/> does in float. Inference only.
/// </summary>
public sealed class QuantizedConv1D : Layer, IQuantizedLayer
{
    private QuantizedKernel? _weights;

    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Length of the window, in steps.</param>
    /// <param name="strides">Step between windows.</param>
    /// <param name="padding">Valid, Same or Causal, as <see cref="Conv1D"/>.</param>
    /// <param name="dilationRate">Spacing between taps.</param>
    /// <param name="activation">Applied to the output (ReLU is fused); null for linear.</param>
    /// <param name="useBias">Whether the layer adds a (float) bias per filter.</param>
    /// <param name="name">The layer's name; null for a default.</param>
    /// <param name="inputShape">The per-sample input shape (steps, channels), for a model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public QuantizedConv1D(int filters, int kernelSize, int strides = 1, Padding padding = default, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (filters <= 0 || kernelSize <= 0 || strides <= 0 || dilationRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(filters), $"QuantizedConv1D filters {filters}, kernel_size {kernelSize}, strides {strides} and dilation_rate {dilationRate} must be positive.");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding.For(TypeName, allowCausal: true);
        DilationRate = dilationRate;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
    }

    /// <inheritdoc/>
    public override string TypeName => "QuantizedConv1D";
    /// <summary>Output channels.</summary>
    public int Filters { get; }
    /// <summary>Length of the window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public int Strides { get; }
    /// <summary>Valid, Same or Causal.</summary>
    public Padding Padding { get; }
    /// <summary>Spacing between taps.</summary>
    public int DilationRate { get; }
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
        var kernel = AddWeight("kernel", new Shape(KernelSize, inputShape[1], Filters), Initializer.Zeros, false);
        var scale = AddWeight("kernel_scale", new Shape(Filters), Initializer.Ones, false);
        var bias = UseBias ? AddWeight("bias", new Shape(Filters), Initializer.Zeros, false) : null;
        var inputScale = AddWeight("input_scale", new Shape(1), Initializer.Ones, false);
        var zeroPoint = AddWeight("input_zero_point", new Shape(1), Initializer.Zeros, false);
        _weights = new QuantizedKernel(kernel, scale, bias, inputScale, zeroPoint);
    }

    /// <summary>(output steps, filters), as <see cref="Conv1D"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, channels)", inputShape);
        int steps = ConvAxis.OutputSize(this, "steps", inputShape, inputShape[0], KernelSize, Strides, DilationRate, Padding);
        return new Shape(steps, Filters);
    }

    /// <summary>
    /// The height-1 convolution geometry of a (batch, steps, channels) input. Causal: 'valid' over the
    /// sequence with dilation·(kernel_size − 1) steps before it, i.e. a left padding of that many steps
    /// (which read the zero point, as Same's) and none on the right.
    /// </summary>
    internal Conv2DGeometry Geometry(Shape input)
    {
        if (Padding != Padding.Causal)
            return Conv2DGeometry.Create(input[0], 1, input[1], input[2], Filters, 1, KernelSize, 1, Strides, Padding == Padding.Same, 1, DilationRate);
        int pad = (int)Math.Min((long)DilationRate * (KernelSize - 1), int.MaxValue - (long)input[1]);
        var padded = Conv2DGeometry.Create(input[0], 1, input[1] + pad, input[2], Filters, 1, KernelSize, 1, Strides, false, 1, DilationRate);
        var g = padded with { InW = input[1], PadLeft = pad };
        g.Validate();
        return g;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = BuiltInputShape!.Value[1];
        if (x.Rank != 3 || x.Shape[2] != cin) throw ShapeError($"(batch, steps, {cin})", x.Shape.WithoutBatch());
        var g = Geometry(x.Shape);
        bool relu = Activation == Activation.Relu;
        var (w, output) = Weights.Prepared(KernelSize * cin, Filters, relu);
        var y = Tensor.Temp(new Shape(g.Batch, g.OutW, Filters));
        Int8Conv2D.Forward(g, x.Span, w, output, y.Span);
        return relu ? y : Activation.Apply(y);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = new JsonArray(KernelSize);
        config["strides"] = new JsonArray(Strides);
        config["padding"] = Padding.ToName();
        config["dilation_rate"] = new JsonArray(DilationRate);
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        return config;
    }

    internal static QuantizedConv1D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"), c.OneSize("kernel_size", null), c.OneSize("strides", 1), c.Padding(),
        c.OneSize("dilation_rate", 1), c.Activation("activation"), c.Bool("use_bias", true), c.Name, c.Shape("input_shape"));
}
