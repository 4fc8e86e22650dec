using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What every convolution layer (Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D, SeparableConv1D/2D) has:
/// the window (kernel size, strides, dilation rate and padding along each axis), the activation and the bias, with
/// their argument checks and Keras config. <typeparamref name="TSize"/> is a size per axis: an int for 1-D,
/// (H, W) for 2-D, (D, H, W) for 3-D.
/// </summary>
public abstract class ConvolutionLayer<TSize> : Layer where TSize : struct
{
    private readonly ConvolutionWeight[] _weights; // the kernels' options, then the bias's

    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    private protected ConvolutionLayer(ConvolutionRank<TSize> rank, ConvolutionArguments<TSize> a, params ConvolutionWeight[] kernels)
        : base(a.Name, a.InputShape)
    {
        Rank = rank;
        KernelSize = Positive(a.KernelSize, "kernelSize");
        Strides = Positive(a.Strides ?? rank.All(1), "strides");
        DilationRate = Positive(a.DilationRate ?? rank.All(1), "dilationRate");
        if (!rank.IsOne(Strides) && !rank.IsOne(DilationRate))
            throw new ArgumentException($"{TypeName}: strides {Strides} > 1 together with dilation_rate {DilationRate} > 1 is not supported (as in Keras).");
        Padding = a.Padding.For(TypeName, TakesCausalPadding);
        Activation = a.Activation ?? Activation.Linear;
        UseBias = a.UseBias;
        ActivityRegularizer = a.ActivityRegularizer;
        _weights = [.. kernels, a.Bias];
    }

    /// <summary>Size of the convolution window along each axis.</summary>
    public TSize KernelSize { get; }
    /// <summary>Step between windows along each axis (for a transposed convolution, the upsampling factor).</summary>
    public TSize Strides { get; }
    /// <summary>Spacing between the window's taps along each axis (Keras's <c>dilation_rate</c>); 1: adjacent elements.</summary>
    public TSize DilationRate { get; }
    /// <summary>Valid (no padding), Same or, for Conv1D, Causal (see the layer's summary for the output sizes).</summary>
    public Padding Padding { get; }
    /// <summary>Applied to the convolution's output (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias per output channel.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer => _weights[^1].Initializer;
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer => _weights[^1].Regularizer;
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint => _weights[^1].Constraint;

    private protected ConvolutionRank<TSize> Rank { get; }

    /// <summary>The options of the kernel weights, in the order the layer creates them.</summary>
    private protected ConvolutionWeight KernelOptions(int index) => _weights[index];

    /// <summary>Whether the layer takes <see cref="Padding.Causal"/> (Keras: Conv1D alone); the others refuse it, naming themselves.</summary>
    private protected virtual bool TakesCausalPadding => false;

    /// <summary>Whether get_config writes data_format (Conv1D and Conv2D never wrote it; every layer checks a config's data_format).</summary>
    private protected virtual bool WritesDataFormat => true;

    /// <summary>Config keys before kernel_size (filters).</summary>
    private protected virtual void PutLeading(JsonObject config) { }

    /// <summary>Config keys between padding and data_format (DepthwiseConv's depth_multiplier).</summary>
    private protected virtual void PutAfterPadding(JsonObject config) { }

    /// <summary>Config keys after dilation_rate (groups, output_padding, SeparableConv's depth_multiplier).</summary>
    private protected virtual void PutAfterDilation(JsonObject config) { }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        PutLeading(config);
        config["kernel_size"] = Rank.ToJson(KernelSize);
        config["strides"] = Rank.ToJson(Strides);
        config["padding"] = Padding.ToName();
        PutAfterPadding(config);
        if (WritesDataFormat) config["data_format"] = "channels_last";
        config["dilation_rate"] = Rank.ToJson(DilationRate);
        PutAfterDilation(config);
        config["activation"] = Activation.ToConfig();
        config["use_bias"] = UseBias;
        ConvolutionWeight.Put(config, _weights);
        return config;
    }

    /// <summary>Creates a kernel weight with its options (fill, penalty, projection).</summary>
    private protected Parameter AddKernel(string name, Shape shape, ConvolutionWeight options) =>
        AddWeight(name, shape, options.Initializer, true, options.Regularizer, options.Constraint);

    /// <summary>Creates the bias of <paramref name="size"/> when the layer uses one; null otherwise.</summary>
    private protected Parameter? AddBias(int size)
    {
        var bias = _weights[^1];
        return UseBias ? AddWeight("bias", new Shape(size), bias.Initializer, true, bias.Regularizer, bias.Constraint) : null;
    }

    /// <summary>Throws unless the per-sample input is (axes…, channels).</summary>
    private protected void CheckInputRank(Shape inputShape)
    {
        if (inputShape.Rank != Rank.Axes.Length + 1) throw ShapeError($"(batch, {string.Join(", ", Rank.Axes)}, channels)", inputShape);
    }

    /// <summary>
    /// The output sizes of a (non-transposed) convolution along each axis, set by <see cref="Padding"/>, <see cref="Strides"/>
    /// and <see cref="DilationRate"/>; throws a <see cref="ShapeMismatchException"/> naming the axis where the window does not fit.
    /// </summary>
    private protected int[] WindowOutputSizes(Shape inputShape)
    {
        CheckInputRank(inputShape);
        int[] kernel = Rank.ToArray(KernelSize), strides = Rank.ToArray(Strides), dilation = Rank.ToArray(DilationRate);
        var sizes = new int[kernel.Length];
        for (int i = 0; i < sizes.Length; i++)
            sizes[i] = ConvAxis.OutputSize(this, Rank.Axes[i], inputShape, inputShape[i], kernel[i], strides[i], dilation[i], Padding);
        return sizes;
    }

    private TSize Positive(TSize size, string name) =>
        Array.TrueForAll(Rank.ToArray(size), v => v > 0) ? size : throw new ArgumentOutOfRangeException(name, size, $"{TypeName} {name} must be positive.");
}
