using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's GaussianNoise: adds zero-mean normal noise of standard deviation <see cref="Stddev"/>
/// while training (a regularizer, and data augmentation for real-valued inputs); the identity at
/// inference. Noise comes from the layer's generator, as <see cref="Dropout"/>'s masks.
/// </summary>
public sealed class GaussianNoise : Layer
{
    private RandomGenerator? _generator;

    /// <param name="stddev">Standard deviation of the noise, in [0, 1] as Keras requires.</param>
    /// <param name="seed">Seeds the layer's own noise generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stddev"/> is outside [0, 1].</exception>
    public GaussianNoise(float stddev, long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(stddev >= 0f && stddev <= 1f)) throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "GaussianNoise stddev must be in [0, 1].");
        Stddev = stddev;
        Seed = seed;
    }

    /// <inheritdoc/>
    public override string TypeName => "GaussianNoise";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>Standard deviation of the noise added while training.</summary>
    public float Stddev { get; }
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
        training && Stddev > 0f ? Ops.GaussianNoise(x, Stddev, Generator) : x;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["stddev"] = Stddev;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static GaussianNoise FromConfig(LayerConfig c) => new(
        c.Has("stddev") ? c.Float("stddev", 0f, 0f, 1f) : throw c.Error("stddev", "is missing"), c.Seed(), c.Name, c.Shape("input_shape"));
}
