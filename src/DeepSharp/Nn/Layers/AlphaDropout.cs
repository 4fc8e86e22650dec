using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's AlphaDropout, the dropout of self-normalizing networks (SELU): while training, a fraction
/// <see cref="Rate"/> of the inputs is set to SELU's negative saturation α' = −λα ≈ −1.7581 instead of 0,
/// and the result is mapped by a·x + b with a = ((1 − p)(1 + p·α'²))^−½ and b = −a·α'·p, so that inputs
/// of mean 0 and variance 1 keep mean 0 and variance 1. The identity at inference. Decisions come from
/// the layer's generator, one per element or, with <see cref="NoiseShape"/>, shared along its size-1 axes:
/// each call draws a 64-bit key and decision i is Philox4x32-10 of (key, i), as <see cref="Dropout"/>'s masks.
/// </summary>
public sealed class AlphaDropout : Layer
{
    /// <summary>SELU's negative saturation −λ·α (Klambauer et al. 2017), the value a dropped input takes.</summary>
    public const float AlphaPrime = -1.0507009873554804934193349852946f * 1.6732632423543772848170429916717f;

    private RandomGenerator? _generator;

    /// <param name="rate">Fraction of the inputs dropped while training, in [0, 1).</param>
    /// <param name="noiseShape">
    /// Keras's <c>noise_shape</c>, batch axis first: the shape of the keep/drop decisions, broadcast over
    /// the input (null entries take the input's size; 1 shares a decision along that axis, e.g.
    /// <c>[null, 1, null]</c> for the same decisions at every step). Null: one decision per element.
    /// </param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1), or a noise size is below 1.</exception>
    public AlphaDropout(float rate, int?[]? noiseShape = null, long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "AlphaDropout rate must be in [0, 1).");
        if (noiseShape is not null)
            foreach (int? d in noiseShape)
                if (d is < 1) throw new ArgumentOutOfRangeException(nameof(noiseShape), d, "AlphaDropout noise_shape sizes must be at least 1 (null: the input's size).");
        Rate = rate;
        NoiseShape = noiseShape?.ToArray();
        Seed = seed;
    }

    /// <inheritdoc/>
    public override string TypeName => "AlphaDropout";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <summary>Fraction of the inputs dropped while training.</summary>
    public float Rate { get; }

    /// <summary>Keras's noise_shape (batch axis first; null entries: the input's size), or null for one decision per element.</summary>
    public IReadOnlyList<int?>? NoiseShape { get; }

    /// <summary>The seed of the generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the keep/drop decisions (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <inheritdoc/>
    internal override bool ShareTrainingGenerator(RandomGenerator generator)
    {
        _generator = generator;
        return true;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _ = Generator;
        if (NoiseShape is not null) _ = ConcreteNoiseShape(inputShape.WithBatch(1), checkBatch: false);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || Rate == 0f) return x;
        float p = Rate;
        float a = (float)Math.Pow((1.0 - p) * (1.0 + p * (double)AlphaPrime * AlphaPrime), -0.5);
        float b = -a * AlphaPrime * p;
        // y = a·(x·keep + α'·(1 − keep)) + b: a·x + b where kept, a·α' + b where dropped.
        float dropped = a * AlphaPrime + b;
        var noise = NoiseShape is null ? x.Shape : ConcreteNoiseShape(x.Shape, checkBatch: true);
        if (noise.Equals(x.Shape)) return Ops.AlphaDropout(x, p, a, b, dropped, Generator);
        var (scale, shift) = Ops.AlphaDropoutAffine(noise, p, a, b, dropped, Generator);
        return Ops.Add(Ops.Multiply(x, scale), shift);
    }

    /// <summary>The decisions' shape for an input of <paramref name="input"/> (batch axis first): null entries filled, each size equal to the input's or 1.</summary>
    private Shape ConcreteNoiseShape(Shape input, bool checkBatch)
    {
        var noise = NoiseShape!;
        if (noise.Count != input.Rank)
            throw new ShapeMismatchException($"Layer '{Name}' (AlphaDropout) has noise_shape {Format(noise)} of {noise.Count} axes for inputs {input.WithoutBatch().ToBatchString()} of {input.Rank}; give one size (or null) per axis, batch axis first.");
        var dims = new int[noise.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = noise[i] ?? input[i];
            bool batchUnknown = i == 0 && !checkBatch;
            if (!batchUnknown && dims[i] != input[i] && dims[i] != 1)
                throw new ShapeMismatchException($"Layer '{Name}' (AlphaDropout) has noise_shape {Format(noise)}, which does not broadcast to inputs {(checkBatch ? input.ToString() : input.WithoutBatch().ToBatchString())}: each size must be the input's or 1.");
        }
        if (!checkBatch) dims[0] = 1;
        return new Shape(dims);
    }

    private static string Format(IReadOnlyList<int?> dims) =>
        "(" + string.Join(", ", dims.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None")) + ")";

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        if (NoiseShape is not null) config["noise_shape"] = new JsonArray([.. NoiseShape.Select(d => d is { } v ? JsonValue.Create(v) : null)]);
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static AlphaDropout FromConfig(LayerConfig c) => new(
        c.Has("rate") ? c.Rate("rate", 0f) : throw c.Error("rate", "is missing"), c.NoiseShape(), c.Seed(), c.Name, c.Shape("input_shape"));
}
