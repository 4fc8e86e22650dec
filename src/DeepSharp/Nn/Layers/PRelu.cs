using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's PReLU: x for x &gt; 0, alpha·x otherwise, with alpha a learned weight of the per-sample
/// input shape, or of size 1 along <see cref="SharedAxes"/> (e.g. [1, 2] on images: one alpha per
/// channel). Computed as Keras does, relu(x) − alpha·relu(−x).
/// </summary>
public sealed class PRelu : Layer
{
    private readonly int[]? _sharedAxes;
    private Parameter? _alpha;

    /// <param name="alphaInitializer">Fills alpha (Keras's <c>alpha_initializer</c>, default zeros: plain ReLU at first).</param>
    /// <param name="sharedAxes">Axes (1 = the first after the batch axis) along which one alpha is shared; null for none.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="alphaRegularizer">A penalty on alpha added to the training loss (Keras's <c>alpha_regularizer</c>); null for none.</param>
    /// <param name="alphaConstraint">A projection of alpha after each optimizer step (Keras's <c>alpha_constraint</c>); null for none.</param>
    public PRelu(Initializer? alphaInitializer = null, int[]? sharedAxes = null, string? name = null, int[]? inputShape = null,
        Regularizer? alphaRegularizer = null, Constraint? alphaConstraint = null)
        : base(name, inputShape)
    {
        (AlphaRegularizer, AlphaConstraint) = (alphaRegularizer, alphaConstraint);
        AlphaInitializer = alphaInitializer ?? Initializer.Zeros;
        _sharedAxes = sharedAxes is null ? null : [.. sharedAxes];
    }

    /// <inheritdoc/>
    public override string TypeName => "PReLU";
    /// <summary>Keras's default name stem, "p_re_lu".</summary>
    public override string DefaultNamePrefix => "p_re_lu";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>How alpha is filled when the layer is built.</summary>
    public Initializer AlphaInitializer { get; }
    /// <summary>The penalty on the alpha added to the training loss; null for none.</summary>
    public Regularizer? AlphaRegularizer { get; }
    /// <summary>The projection applied to the alpha after each optimizer step; null for none.</summary>
    public Constraint? AlphaConstraint { get; }
    /// <summary>Axes (1-based, after the batch axis) along which alpha is shared, or null.</summary>
    public IReadOnlyList<int>? SharedAxes => _sharedAxes;

    /// <summary>The learned slopes, of the shape <see cref="AlphaShape"/> gives (after the layer is built).</summary>
    public Parameter Alpha => _alpha ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet.");

    /// <summary>The shape of alpha for a per-sample input shape: the input's, with 1 along each shared axis.</summary>
    /// <exception cref="ShapeMismatchException">A shared axis is outside the input.</exception>
    public Shape AlphaShape(Shape inputShape)
    {
        if (inputShape.Rank == 0) throw ShapeError("(batch, …) with at least one axis after the batch", inputShape);
        var dims = inputShape.ToArray();
        foreach (int axis in _sharedAxes ?? [])
        {
            if (axis < 1 || axis > dims.Length)
                throw new ShapeMismatchException($"Layer '{Name}' (PReLU) shares alpha along axis {axis}, but inputs {inputShape.ToBatchString()} have axes 1 to {dims.Length} after the batch axis.");
            dims[axis - 1] = 1;
        }
        return new Shape(dims);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        AlphaShape(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => _alpha = AddWeight("alpha", AlphaShape(inputShape), AlphaInitializer, true, AlphaRegularizer, AlphaConstraint);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        Ops.Subtract(Ops.Relu(x), Ops.Multiply(Alpha.Value, Ops.Relu(Ops.Affine(x, -1f))));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["alpha_initializer"] = AlphaInitializer.ToConfig();
        ConfigObjects.Put(config, "alpha_regularizer", AlphaRegularizer);
        ConfigObjects.Put(config, "alpha_constraint", AlphaConstraint);
        config["shared_axes"] = _sharedAxes is null ? null : new JsonArray([.. _sharedAxes.Select(a => (JsonNode?)a)]);
        return config;
    }

    internal static PRelu FromConfig(LayerConfig c) => new(
        c.Initializer("alpha_initializer", "zeros"), c.Axes("shared_axes"), c.Name, c.Shape("input_shape"),
        c.Regularizer("alpha_regularizer"), c.Constraint("alpha_constraint"));
}
