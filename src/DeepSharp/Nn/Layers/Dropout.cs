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

    public Dropout(float rate, long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        Rate = rate;
        Seed = seed;
    }

    public override string TypeName => "Dropout";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    public float Rate { get; }
    public long? Seed { get; }

    /// <summary>The generator of the dropout masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    protected override void OnBuild(Shape inputShape) => _ = Generator;

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training) =>
        training && Rate > 0f ? Ops.Dropout(x, Rate, Generator) : x;

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
