using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What SpatialDropout1D and SpatialDropout2D share: while training, each sample's channels (the
/// last axis) are zeroed whole with probability <see cref="Rate"/> and the rest scaled by
/// 1/(1 − rate), so neighbouring steps or pixels, which are strongly correlated, drop together;
/// the identity at inference. Masks come from the layer's generator, as <see cref="Dropout"/>'s.
/// </summary>
public abstract class SpatialDropout : Layer
{
    private RandomGenerator? _generator;

    /// <param name="rate">Fraction of the channels zeroed while training, in [0, 1).</param>
    /// <param name="seed">Seeds the layer's own mask generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    protected SpatialDropout(float rate, long? seed, string? name, int[]? inputShape) : base(name, inputShape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{TypeName} rate must be in [0, 1).");
        Rate = rate;
        Seed = seed;
    }

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>Fraction of the channels zeroed while training.</summary>
    public float Rate { get; }
    /// <summary>The seed of the mask generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the channel masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <inheritdoc/>
    internal override bool ShareTrainingGenerator(RandomGenerator generator)
    {
        _generator = generator;
        return true;
    }

    /// <summary>The number of axes a sample has: 2 (steps, channels) or 3 (height, width, channels).</summary>
    private protected abstract int SampleRank { get; }

    /// <summary>The sample layout for messages.</summary>
    private protected abstract string Layout { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        inputShape.Rank == SampleRank ? inputShape : throw ShapeError(Layout, inputShape);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _ = Generator;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        training && Rate > 0f ? Ops.SpatialDropout(x, Rate, Generator) : x;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    /// <summary>The rate, which a config must hold.</summary>
    private protected static float ReadRate(LayerConfig c) => c.Has("rate") ? c.Rate("rate", 0f) : throw c.Error("rate", "is missing");
}
