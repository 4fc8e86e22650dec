using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Densely connected layer: activation(x · kernel + bias), kernel (in, units). Applies to the last
/// axis of inputs with more than two axes, as Keras does.
/// </summary>
public sealed class Dense : Layer
{
    private Parameter? _kernel, _bias;

    /// <param name="units">Size of the output's last axis.</param>
    /// <param name="activation">Applied to x·kernel + bias; null for none (linear).</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="kernelInitializer">Fills the (features, units) kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive.</exception>
    public Dense(int units, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, inputShape)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "Dense needs a positive number of units.");
        Units = units;
        Activation = activation ?? Activation.Linear;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "Dense";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>Size of the output's last axis.</summary>
    public int Units { get; }
    /// <summary>Applied to x·kernel + bias (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>Whether the layer adds a learned bias (weight "bias").</summary>
    public bool UseBias { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        _kernel = AddWeight("kernel", new Shape(inputShape[-1], Units), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    /// <summary>The input shape with its last axis replaced by <see cref="Units"/>: (..., units).</summary>
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
        int features = _kernel!.Shape[0];
        if (x.Shape[-1] != features) throw ShapeError($"(batch, ..., {features})", x.Shape.WithoutBatch());
        // GELU with a bias runs as one op (the same values; one pass fewer each way over the output).
        bool fusedGelu = ReferenceEquals(Activation, Activation.Gelu) && _bias is not null;
        var rows = x.Rank == 2 ? x : Ops.Reshape(x, -1, features);
        var y = fusedGelu ? Ops.LinearGelu(rows, _kernel.Value, _bias!.Value, packedKernel: !training) : Ops.Linear(rows, _kernel.Value, _bias?.Value, packedKernel: !training);
        if (x.Rank != 2) y = Ops.Reshape(y, x.Shape.With(-1, Units));
        return WithActivityPenalty(fusedGelu ? y : Activation.Apply(y));
    }

    /// <summary>
    /// residual + this layer's output for x (..., in) and residual (..., units), as one op
    /// (<see cref="Ops.LinearResidual"/>: the same values as adding after the call); null where the layer
    /// has an activation or an activity penalty, which the fused op lacks, or the shapes differ.
    /// </summary>
    internal Tensor? ForwardPlusResidual(Tensor x, Tensor residual)
    {
        if (!IsBuilt || !ReferenceEquals(Activation, Activation.Linear) || ActivityRegularizer is not null) return null;
        int features = _kernel!.Shape[0];
        if (x.Rank < 1 || x.Shape[-1] != features) throw ShapeError($"(batch, ..., {features})", x.Shape.WithoutBatch());
        if (residual.Shape != x.Shape.With(-1, Units)) return null;
        var rows = x.Rank == 2 ? x : Ops.Reshape(x, -1, features);
        var residualRows = residual.Rank == 2 ? residual : Ops.Reshape(residual, -1, Units);
        var y = Ops.LinearResidual(rows, _kernel.Value, _bias?.Value, residualRows);
        return x.Rank != 2 ? Ops.Reshape(y, residual.Shape) : y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = Activation.ToConfig();
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    internal static Dense FromConfig(LayerConfig c) => new(
        c.RequiredSize("units"),
        c.Activation("activation"),
        c.Bool("use_bias", true),
        c.Initializer("kernel_initializer", "glorot_uniform"),
        c.Initializer("bias_initializer", "zeros"),
        c.Name,
        c.Shape("input_shape"),
        c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
        c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
}
