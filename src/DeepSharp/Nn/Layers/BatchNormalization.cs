using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Batch normalisation over the last axis (Keras defaults: momentum 0.99, ε 1e-3, center and
/// scale). While training it normalises with the batch's own mean and variance (the gradient
/// includes their terms) and updates the non-trainable moving_mean / moving_variance:
/// moving = moving·momentum + batch·(1 − momentum). At inference it uses the moving statistics.
/// </summary>
public sealed class BatchNormalization : Layer
{
    private Parameter? _gamma, _beta, _movingMean, _movingVariance;

    public BatchNormalization(int axis = -1, float momentum = 0.99f, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (axis != -1) throw new ArgumentOutOfRangeException(nameof(axis), axis, "BatchNormalization supports axis -1 (channels-last) only.");
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
    }

    public override string TypeName => "BatchNormalization";
    public int Axis { get; }
    public float Momentum { get; }
    public float Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }

    /// <summary>The moving statistics (null until built).</summary>
    public Tensor? MovingMean => _movingMean?.Value;
    public Tensor? MovingVariance => _movingVariance?.Value;

    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., channels)", inputShape);
        var channels = new Shape(inputShape[-1]);
        if (Scale) _gamma = AddWeight("gamma", channels, Initializer.Ones);
        if (Center) _beta = AddWeight("beta", channels, Initializer.Zeros);
        _movingMean = AddWeight("moving_mean", channels, Initializer.Zeros, trainable: false);
        _movingVariance = AddWeight("moving_variance", channels, Initializer.Ones, trainable: false);
    }

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training)
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

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        return config;
    }

    internal static BatchNormalization FromConfig(JsonObject c) => new(
        (int?)c["axis"] ?? -1, (float?)c["momentum"] ?? 0.99f, (float?)c["epsilon"] ?? 1e-3f,
        (bool?)c["center"] ?? true, (bool?)c["scale"] ?? true, (string?)c["name"], Naming.ReadShape(c, "input_shape"));
}
