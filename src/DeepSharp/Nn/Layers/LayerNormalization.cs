using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Normalises each sample over <see cref="Axis"/> (Keras defaults: axis −1, ε 1e-3, center and
/// scale): γ·(x − mean)/√(variance + ε) + β, the mean and variance taken over those axes, the same
/// in training and inference. γ and β have the sizes of the axes, in increasing axis order.
/// </summary>
public sealed class LayerNormalization : Layer
{
    private Parameter? _gamma, _beta;
    private NormalizationAxes? _axes;
    private readonly bool _axisIsList;

    /// <param name="axis">The axis to normalise over, counted as Keras does with the batch axis (−1 the last;
    /// 0, the batch axis, is refused).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Learn an offset β.</param>
    /// <param name="scale">Learn a scale γ.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="betaRegularizer">A penalty on β added to the training loss (Keras's <c>beta_regularizer</c>); null for none.</param>
    /// <param name="gammaRegularizer">A penalty on γ; null for none.</param>
    /// <param name="betaConstraint">A projection of β after each optimizer step (Keras's <c>beta_constraint</c>); null for none.</param>
    /// <param name="gammaConstraint">A projection of γ after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0, or <paramref name="epsilon"/> is not positive.</exception>
    public LayerNormalization(int axis = -1, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null)
        : this([axis], false, epsilon, center, scale, name, inputShape, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint) { }

    /// <param name="axis">The axes to normalise over together (Keras's list form), e.g. [1, 2, 3] for whole
    /// (height, width, channels) images; counted with the batch axis, which is refused.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Learn an offset β.</param>
    /// <param name="scale">Learn a scale γ.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="betaRegularizer">A penalty on β added to the training loss (Keras's <c>beta_regularizer</c>); null for none.</param>
    /// <param name="gammaRegularizer">A penalty on γ; null for none.</param>
    /// <param name="betaConstraint">A projection of β after each optimizer step (Keras's <c>beta_constraint</c>); null for none.</param>
    /// <param name="gammaConstraint">A projection of γ after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="axis"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is empty or holds 0, or <paramref name="epsilon"/> is not positive.</exception>
    public LayerNormalization(int[] axis, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null)
        : this(axis ?? throw new ArgumentNullException(nameof(axis)), true, epsilon, center, scale, name, inputShape,
            betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint)
    { }

    private LayerNormalization(int[] axis, bool isList, float epsilon, bool center, bool scale, string? name, int[]? inputShape,
        Regularizer? betaRegularizer, Regularizer? gammaRegularizer, Constraint? betaConstraint, Constraint? gammaConstraint) : base(name, inputShape)
    {
        if (axis.Length == 0) throw new ArgumentException("LayerNormalization needs at least one axis.", nameof(axis));
        if (Array.IndexOf(axis, 0) >= 0) throw new ArgumentOutOfRangeException(nameof(axis), 0, "LayerNormalization cannot normalise along the batch axis (0).");
        if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        Axis = [.. axis];
        _axisIsList = isList;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        (BetaRegularizer, GammaRegularizer, BetaConstraint, GammaConstraint) = (betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "LayerNormalization";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <summary>The axes as given (counted with the batch axis; −1 is the last).</summary>
    public IReadOnlyList<int> Axis { get; }
    /// <summary>Added to the variance before the square root, for stability.</summary>
    public float Epsilon { get; }
    /// <summary>Whether the layer learns an offset β (weight "beta").</summary>
    public bool Center { get; }
    /// <summary>Whether the layer learns a scale γ (weight "gamma").</summary>
    public bool Scale { get; }
    /// <summary>The penalty on β added to the training loss; null for none.</summary>
    public Regularizer? BetaRegularizer { get; }
    /// <summary>The penalty on γ added to the training loss; null for none.</summary>
    public Regularizer? GammaRegularizer { get; }
    /// <summary>The projection applied to β after each optimizer step; null for none.</summary>
    public Constraint? BetaConstraint { get; }
    /// <summary>The projection applied to γ after each optimizer step; null for none.</summary>
    public Constraint? GammaConstraint { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        _axes = NormalizationAxes.Resolve(Axis, inputShape, this);
        if (Scale) _gamma = AddWeight("gamma", _axes.ParameterShape, Initializer.Ones, true, GammaRegularizer, GammaConstraint);
        if (Center) _beta = AddWeight("beta", _axes.ParameterShape, Initializer.Zeros, true, BetaRegularizer, BetaConstraint);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var axes = _axes!;
        if (axes.IsLastAxisOnly) return Ops.LayerNorm(x, _gamma?.Value, _beta?.Value, Epsilon);
        // Bring the axes to the end (if they are not there), flatten them into one, normalise, undo.
        var moved = axes.Permutation is { } toLast ? Ops.Permute(x, toLast) : x;
        var flat = Ops.Reshape(moved, moved.Size / Math.Max(axes.Size, 1), axes.Size);
        var gamma = _gamma is null ? null : Ops.Reshape(_gamma.Value, axes.Size);
        var beta = _beta is null ? null : Ops.Reshape(_beta.Value, axes.Size);
        var y = Ops.Reshape(Ops.LayerNorm(flat, gamma, beta, Epsilon), moved.Shape.ToArray());
        return axes.Inverse is { } back ? Ops.Permute(y, back) : y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = _axisIsList ? new JsonArray([.. Axis.Select(a => (JsonNode)a)]) : (JsonNode)Axis[0];
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        ConfigObjects.Put(config, "beta_regularizer", BetaRegularizer);
        ConfigObjects.Put(config, "gamma_regularizer", GammaRegularizer);
        ConfigObjects.Put(config, "beta_constraint", BetaConstraint);
        ConfigObjects.Put(config, "gamma_constraint", GammaConstraint);
        return config;
    }

    internal static LayerNormalization FromConfig(LayerConfig c)
    {
        float epsilon = c.Float("epsilon", 1e-3f, float.Epsilon, 1f);
        bool center = c.Bool("center", true), scale = c.Bool("scale", true);
        var inputShape = c.Shape("input_shape");
        var (betaRegularizer, gammaRegularizer) = (c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"));
        var (betaConstraint, gammaConstraint) = (c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"));
        return c.Json["axis"] is JsonArray
            ? new LayerNormalization(c.Axes("axis")!, epsilon, center, scale, c.Name, inputShape, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint)
            : new LayerNormalization(c.Axis("axis", -1), epsilon, center, scale, c.Name, inputShape, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
    }
}
