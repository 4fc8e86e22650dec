using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Densely connected layer: activation(x · kernel + bias), kernel (in, units). Applies to the last
/// axis of inputs with more than two axes, as Keras does.
/// </summary>
public sealed class Dense : Layer
{
    private Parameter? _kernel, _bias;

    public Dense(int units, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "Dense needs a positive number of units.");
        Units = units;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    public override string TypeName => "Dense";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    public int Units { get; }
    public Activation Activation { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }

    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        _kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), KernelInitializer);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer);
    }

    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        var dims = inputShape.ToArray();
        dims[^1] = Units;
        return new Shape(dims);
    }

    protected override Tensor Forward(Tensor x, bool training)
    {
        int features = _kernel!.Shape[0];
        if (x.Shape[-1] != features) throw ShapeError($"(batch, ..., {features})", x.Shape.WithoutBatch());
        Tensor y;
        if (x.Rank == 2)
        {
            y = Ops.Linear(x, _kernel.Value, _bias?.Value);
        }
        else
        {
            y = Ops.Reshape(Ops.Linear(Ops.Reshape(x, -1, features), _kernel.Value, _bias?.Value), x.Shape.With(-1, Units));
        }
        return Activation.Apply(y);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.Name;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        return config;
    }

    internal static Dense FromConfig(LayerConfig c) => new(
        c.RequiredSize("units"),
        c.Activation("activation"),
        c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"),
        c.Name,
        c.Shape("input_shape"));
}
