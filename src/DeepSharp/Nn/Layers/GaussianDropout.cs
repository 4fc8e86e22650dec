using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's GaussianDropout: multiplies inputs by normal noise of mean 1 and standard deviation
/// √(rate/(1 − rate)) while training (dropout's mean and variance without zeros); the identity at
/// inference. Noise comes from the layer's generator, as <see cref="Dropout"/>'s masks.
/// </summary>
public sealed class GaussianDropout : Layer
{
    private RandomGenerator? _generator;

    /// <param name="rate">The dropout rate whose variance the noise has, in [0, 1).</param>
    /// <param name="seed">Seeds the layer's own noise generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public GaussianDropout(float rate, long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "GaussianDropout rate must be in [0, 1).");
        Rate = rate;
        Seed = seed;
    }

    /// <inheritdoc/>
    public override string TypeName => "GaussianDropout";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>The dropout rate whose variance the multiplicative noise has.</summary>
    public float Rate { get; }
    /// <summary>The seed of the noise generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the noise (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <inheritdoc/>
    internal override bool ShareTrainingGenerator(RandomGenerator generator)
    {
        _generator = generator;
        return true;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => _ = Generator;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) =>
        training && Rate > 0f ? Ops.GaussianDropout(x, Rate, Generator) : x;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static GaussianDropout FromConfig(LayerConfig c) => new(
        c.Has("rate") ? c.Rate("rate", 0f) : throw c.Error("rate", "is missing"), c.Seed(), c.Name, c.Shape("input_shape"));
}
