using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 1-D convolution over (batch, steps, channels); kernel (kernel_size, in_channels, filters), bias
/// (filters). Runs as a 2-D convolution of height 1 (free views of input and kernel).
/// </summary>
public sealed class Conv1D : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Length of the convolution window, in steps.</param>
    /// <param name="strides">Step between windows; above 1 only with a dilation rate of 1.</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (none, the default) or <see cref="Padding.Same"/> (output length ⌈steps/strides⌉).</param>
    /// <param name="dilationRate">Spacing between the window's taps (Keras's <c>dilation_rate</c>); above 1 only with strides of 1.</param>
    /// <param name="activation">Applied to the convolution's output; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias per filter.</param>
    /// <param name="kernelInitializer">Fills the (kernelSize, channels, filters) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv1D needs a positive number of filters.");
        if (kernelSize <= 0 || strides <= 0 || dilationRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv1D kernel_size {kernelSize}, strides {strides} and dilation_rate {dilationRate} must be positive.");
        if (strides != 1 && dilationRate != 1)
            throw new ArgumentException("Conv1D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DilationRate = dilationRate;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <inheritdoc/>
    public override string TypeName => "Conv1D";
    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Length of the convolution window, in steps.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows.</summary>
    public int Strides { get; }
    /// <summary>Valid (no padding) or Same (output length ⌈steps/strides⌉).</summary>
    public Padding Padding { get; }
    /// <summary>Spacing between the window's taps (1: adjacent steps).</summary>
    public int DilationRate { get; }
    /// <summary>Applied to the convolution's output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per filter.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape(KernelSize, inputShape[1], Filters), KernelInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer);
    }

    /// <summary>(output steps, filters), the length set by <see cref="Padding"/>, <see cref="Strides"/> and <see cref="DilationRate"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, channels), or the window does not fit it.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, channels)", inputShape);
        int steps = ConvAxis.OutputSize(this, "steps", inputShape, inputShape[0], KernelSize, Strides, DilationRate, Padding);
        return new Shape(steps, Filters);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int cin = _kernel!.Shape[1];
        if (x.Rank != 3 || x.Shape[2] != cin) throw ShapeError($"(batch, steps, {cin})", x.Shape.WithoutBatch());
        var image = Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], cin);
        var kernel = Ops.Reshape(_kernel.Value, 1, KernelSize, cin, Filters);
        var y = Ops.Conv2D(image, kernel, _bias?.Value, (1, Strides), Padding == Padding.Same, (1, DilationRate));
        return Activation.Apply(Ops.Reshape(y, x.Shape[0], y.Shape[2], Filters));
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
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        return config;
    }

    /// <summary>Keras writes 1-D sizes as [n]; a plain number is accepted too.</summary>
    internal static Conv1D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"), c.OneSize("kernel_size", null), c.OneSize("strides", 1),
        c.Padding(), c.OneSize("dilation_rate", 1),
        c.Activation("activation"), c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"), c.Name, c.Shape("input_shape"));
}
