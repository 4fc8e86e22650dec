using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Batch normalisation of each channel of <see cref="Axis"/> (Keras defaults: axis −1, momentum
/// 0.99, ε 1e-3, center and scale): statistics are taken over every other axis. While training it
/// normalises with the batch's own mean and variance (the gradient includes their terms) and
/// updates the non-trainable moving_mean / moving_variance: moving = moving·momentum +
/// batch·(1 − momentum). At inference it uses the moving statistics.
/// </summary>
public sealed class BatchNormalization : Layer
{
    private Parameter? _gamma, _beta, _movingMean, _movingVariance;
    private NormalizationAxes? _axes;

    /// <param name="axis">The channel axis, counted as Keras does with the batch axis: −1 the last (channels-last
    /// images), 1 the first per-sample axis (e.g. channels-first images); 0, the batch axis, is refused.</param>
    /// <param name="momentum">Weight of the old moving statistics in each update.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Learn an offset β.</param>
    /// <param name="scale">Learn a scale γ.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="betaRegularizer">A penalty on β added to the training loss (Keras's <c>beta_regularizer</c>); null for none.</param>
    /// <param name="gammaRegularizer">A penalty on γ; null for none.</param>
    /// <param name="betaConstraint">A projection of β after each optimizer step (Keras's <c>beta_constraint</c>); null for none.</param>
    /// <param name="gammaConstraint">A projection of γ after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0, <paramref name="momentum"/> is outside [0, 1], or <paramref name="epsilon"/> is not positive.</exception>
    public BatchNormalization(int axis = -1, float momentum = 0.99f, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null) : base(name, inputShape)
    {
        if (axis == 0) throw new ArgumentOutOfRangeException(nameof(axis), axis, "BatchNormalization cannot normalise along the batch axis (0).");
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        (BetaRegularizer, GammaRegularizer, BetaConstraint, GammaConstraint) = (betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "BatchNormalization";

    /// <summary>The channel axis as given (counted with the batch axis; −1 is the last).</summary>
    public int Axis { get; }
    /// <summary>Weight of the old moving statistics in each training-step update (0.99 by default).</summary>
    public float Momentum { get; }
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

    /// <summary>The moving statistics (null until built).</summary>
    public Tensor? MovingMean => _movingMean?.Value;
    /// <summary>The moving variance used at inference (null until built).</summary>
    public Tensor? MovingVariance => _movingVariance?.Value;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., channels)", inputShape);
        _axes = NormalizationAxes.Resolve([Axis], inputShape, this);
        var channels = _axes.ParameterShape;
        if (Scale) _gamma = AddWeight("gamma", channels, Initializer.Ones, true, GammaRegularizer, GammaConstraint);
        if (Center) _beta = AddWeight("beta", channels, Initializer.Zeros, true, BetaRegularizer, BetaConstraint);
        _movingMean = AddWeight("moving_mean", channels, Initializer.Zeros, trainable: false);
        _movingVariance = AddWeight("moving_variance", channels, Initializer.Ones, trainable: false);
        _movingVariance.BeforeLoad = v => NormalizationStatistics.VarianceRefusal(v) is { } p ? $"is refused by layer '{Name}' (BatchNormalization): {p}" : null; // a negative variance would make inference NaN
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        training &= TrainsWeights; // frozen (Keras 3): inference mode, moving statistics untouched
        if (_axes!.Permutation is { } toLast) // channels elsewhere than last: move them there and back
            return Ops.Permute(NormalizeLastAxis(Ops.Permute(x, toLast), training), _axes.Inverse!);
        return NormalizeLastAxis(x, training);
    }

    private Tensor NormalizeLastAxis(Tensor x, bool training)
    {
        if (x.Shape[-1] != _movingMean!.Shape[0]) throw ShapeError($"(batch, ..., {_movingMean.Shape[0]})", x.Shape.WithoutBatch());
        if (!training || x.Shape[0] == 0)
            return Ops.BatchNorm(x, _gamma?.Value, _beta?.Value, _movingMean.Value, _movingVariance!.Value, Epsilon, batchStatistics: false);
        var (mean, variance) = Ops.Moments(x);
        UpdateMoving(_movingMean.Value.Span, mean.Span);
        UpdateMoving(_movingVariance!.Value.Span, variance.Span);
        return Ops.BatchNorm(x, _gamma?.Value, _beta?.Value, mean, variance, Epsilon, batchStatistics: true);
    }

    private void UpdateMoving(Span<float> moving, ReadOnlySpan<float> batch)
    {
        for (int i = 0; i < moving.Length; i++) moving[i] = moving[i] * Momentum + batch[i] * (1f - Momentum);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        ConfigObjects.Put(config, "beta_regularizer", BetaRegularizer);
        ConfigObjects.Put(config, "gamma_regularizer", GammaRegularizer);
        ConfigObjects.Put(config, "beta_constraint", BetaConstraint);
        ConfigObjects.Put(config, "gamma_constraint", GammaConstraint);
        return config;
    }

    internal static BatchNormalization FromConfig(LayerConfig c) => new(
        c.Axis("axis", -1), c.Float("momentum", 0.99f, 0f, 1f), c.Float("epsilon", 1e-3f, float.Epsilon, 1f),
        c.Bool("center", true), c.Bool("scale", true), c.Name, c.Shape("input_shape"),
        c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"));
}
