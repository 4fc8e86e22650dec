using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// 2-D convolution over channels-last images (batch, height, width, channels); kernel
/// (kh, kw, in_channels, filters), bias (filters).
/// </summary>
public sealed class Conv2D : Layer
{
    private Parameter? _kernel, _bias;

    public Conv2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, (int H, int W)? dilationRate = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (filters <= 0) throw new ArgumentOutOfRangeException(nameof(filters), filters, "Conv2D needs a positive number of filters.");
        Filters = filters;
        KernelSize = Positive(kernelSize, nameof(kernelSize));
        Strides = Positive(strides ?? (1, 1), nameof(strides));
        DilationRate = Positive(dilationRate ?? (1, 1), nameof(dilationRate));
        if (Strides != (1, 1) && DilationRate != (1, 1))
            throw new ArgumentException("Conv2D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras).");
        Padding = padding;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>A square kernel, as Keras's <c>Conv2D(32, 3)</c>.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation? activation = null, bool useBias = true, string? name = null, int[]? inputShape = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias, name: name, inputShape: inputShape)
    {
    }

    public override string TypeName => "Conv2D";
    public int Filters { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Strides { get; }
    public (int H, int W) DilationRate { get; }
    public Padding Padding { get; }
    public Activation Activation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }

    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _kernel = AddWeight("kernel", new Shape(KernelSize.H, KernelSize.W, inputShape[2], Filters), KernelInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Filters), BiasInitializer);
    }

    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        int h = ConvAxis.OutputSize(this, "height", inputShape, inputShape[0], KernelSize.H, Strides.H, DilationRate.H, Padding);
        int w = ConvAxis.OutputSize(this, "width", inputShape, inputShape[1], KernelSize.W, Strides.W, DilationRate.W, Padding);
        return new Shape(h, w, Filters);
    }

    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4 || x.Shape[3] != _kernel!.Shape[2])
            throw ShapeError($"(batch, height, width, {_kernel!.Shape[2]})", x.Shape.WithoutBatch());
        if (Activation == Activation.Relu) // fused: one pass over the output instead of two
            return Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate, relu: true);
        var y = Ops.Conv2D(x, _kernel.Value, _bias?.Value, Strides, Padding == Padding.Same, DilationRate);
        return Activation.Apply(y);
    }

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
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        return config;
    }

    internal static Conv2D FromConfig(LayerConfig c) => new(
        c.RequiredSize("filters"),
        c.Pair("kernel_size", null),
        c.Pair("strides", (1, 1)),
        c.Padding(),
        c.Activation("activation"),
        c.Bool("use_bias", true),
        c.Pair("dilation_rate", (1, 1)),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"),
        c.Name,
        c.Shape("input_shape"));

    private static (int, int) Positive((int H, int W) pair, string name) =>
        pair.H > 0 && pair.W > 0 ? pair : throw new ArgumentOutOfRangeException(name, pair, $"Conv2D {name} must be positive.");
}
