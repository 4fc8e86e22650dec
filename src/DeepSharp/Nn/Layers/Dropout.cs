using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Zeroes a fraction <see cref="Rate"/> of inputs while training and scales the rest by
/// 1/(1 − rate); the identity at inference.
/// </summary>
public sealed class Dropout : Layer
{
    private RandomGenerator? _generator;

    /// <param name="rate">Fraction of the inputs zeroed while training, in [0, 1).</param>
    /// <param name="seed">Seeds the layer's own mask generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public Dropout(float rate, long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        Rate = rate;
        Seed = seed;
    }

    /// <inheritdoc/>
    public override string TypeName => "Dropout";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>Fraction of the inputs zeroed while training.</summary>
    public float Rate { get; }
    /// <summary>The seed of the mask generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the dropout masks (its state goes into checkpoints).</summary>
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
        training && Rate > 0f ? Ops.Dropout(x, Rate, Generator) : x;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static Dropout FromConfig(LayerConfig c) => new(
        c.Has("rate") ? c.Rate("rate", 0f) : throw c.Error("rate", "is missing"), c.Seed(), c.Name, c.Shape("input_shape"));
}
