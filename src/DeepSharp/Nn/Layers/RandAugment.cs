using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandAugment</c> (Cubuk et al., 2019): while training, draws <see cref="NumOps"/> operations once per call,
/// uniformly and with repetition, from Keras 3's eleven (RandomShear, RandomTranslation, RandomRotation, RandomBrightness,
/// RandomColorDegeneration, RandomContrast, RandomSharpness, RandomPosterization, Solarization, AutoContrast, Equalization;
/// see <see cref="Operations"/>) and applies them in turn to the whole batch; each operation draws its own random
/// parameters per image. All are built from <see cref="Factor"/> as Keras builds them (the posterization keeps up to
/// max(1, ⌊8·upper⌋) bits). RGB images (RandomColorDegeneration needs them). A seed s seeds the choice of operations with
/// s and the eleven operations with s + 1, …, s + 11. The identity at inference. Gradients pass to the input through the
/// differentiable operations.
/// </summary>
public sealed class RandAugment : Layer
{
    private readonly Layer[] _operations;
    private RandomGenerator? _generator;

    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="numOps">How many operations each call applies (Keras's default 2); ≥ 0.</param>
    /// <param name="factor">The strength of the operations: a factor f is (0, f) (Keras's default 0.5); in [0, 1].</param>
    /// <param name="interpolation">The sampling of shear, translation and rotation: <see cref="Interpolation.Bilinear"/> (Keras's default) or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="seed">Seeds the choice (s) and the operations (s + 1, …); null forks them from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A bad value range, number of operations, factor or interpolation.</exception>
    public RandAugment((float Lower, float Upper)? valueRange = null, int numOps = 2, float factor = 0.5f, Interpolation interpolation = Interpolation.Bilinear,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this(valueRange, numOps, (0f, factor), interpolation, seed, name, inputShape) { }

    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="numOps">How many operations each call applies; ≥ 0.</param>
    /// <param name="factor">(lower, upper), 0 ≤ lower ≤ upper ≤ 1: the factor every operation is built with.</param>
    /// <param name="interpolation">The sampling of shear, translation and rotation: <see cref="Interpolation.Bilinear"/> or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="seed">Seeds the choice (s) and the operations (s + 1, …); null forks them from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A bad value range, number of operations, factor or interpolation.</exception>
    public RandAugment((float Lower, float Upper)? valueRange, int numOps, (float Lower, float Upper) factor, Interpolation interpolation = Interpolation.Bilinear,
        long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (numOps < 0 || numOps > 1000) throw new ArgumentException($"RandAugment num_ops {numOps} must be in [0, 1000].", nameof(numOps));
        Factor = AugmentationPolicyOps.CheckFactor(factor, "RandAugment");
        Interpolation = AugmentationPolicyOps.CheckInterpolation(interpolation, "RandAugment");
        ValueRange = valueRange ?? (0f, 255f);
        if (!(float.IsFinite(ValueRange.Lower) && float.IsFinite(ValueRange.Upper) && ValueRange.Lower < ValueRange.Upper))
            throw new ArgumentException($"RandAugment value_range {ValueRange} needs finite numbers with lower < upper.", nameof(valueRange));
        (NumOps, Seed) = (numOps, seed);
        _operations = new Layer[Operations.Count];
        for (int i = 0; i < _operations.Length; i++)
            _operations[i] = Track(AugmentationPolicyOps.Create(Operations[i], Factor, ValueRange, Interpolation, seed + 1 + i));
    }

    /// <inheritdoc/>
    public override string TypeName => "RandAugment";
    /// <summary>Keras 3's operations, by the names of their sublayers, in the order the choice indexes them.</summary>
    public static IReadOnlyList<string> Operations => AugmentationPolicyOps.RandAugment;
    /// <summary>The range of the images' values.</summary>
    public (float Lower, float Upper) ValueRange { get; }
    /// <summary>How many operations each call applies.</summary>
    public int NumOps { get; }
    /// <summary>The factor every operation is built with.</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>The sampling of shear, translation and rotation.</summary>
    public Interpolation Interpolation { get; }
    /// <summary>The seed of the choice (the operations take the next ones); null when forked from the global generator.</summary>
    public long? Seed { get; }
    /// <summary>The generator of the choice of operations (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();
    /// <summary>The operations of the last training call, by name, in the order they were applied.</summary>
    public IReadOnlyList<string> LastOperations { get; private set; } = [];

    internal override RandomGenerator? TrainingGenerator => Generator;
    private protected override bool AcceptsSingleImages => true;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireRgb(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _ = Generator;
        foreach (var operation in _operations) operation.Build(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        var applied = new string[NumOps];
        for (int i = 0; i < NumOps; i++)
        {
            int chosen = Math.Min((int)(Generator.NextFloat() * _operations.Length), _operations.Length - 1);
            applied[i] = Operations[chosen];
            x = _operations[chosen].Call(x, training: true);
        }
        LastOperations = applied;
        return x;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        config["num_ops"] = NumOps;
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["interpolation"] = Interpolation.ToName();
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static RandAugment FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        var factor = RandomImageLayer.ReadFactor(c, "factor", (0f, 0.5f), 0f, 1f, f => (0f, f));
        return new(RandomImageLayer.ReadValueRange(c), c.Int("num_ops", 2, 0, 1000), (Math.Min(factor.Item1, factor.Item2), Math.Max(factor.Item1, factor.Item2)),
            ImageAugmentation.ReadInterpolation(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
