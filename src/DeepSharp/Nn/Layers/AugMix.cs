using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>AugMix</c> (Hendrycks et al., 2020): while training, runs <see cref="NumChains"/> chains on copies of the
/// batch; each chain takes <see cref="ChainDepth"/> steps, and each step applies one operation drawn uniformly from
/// <see cref="Operations"/> plus "none" (a skipped step), so a chain applies 0 to chain_depth operations. The chains are
/// mixed with weights w ~ Dirichlet(α, …, α) and the result blended with the input by m ~ Beta(α, α):
/// y = clip(m·x + (1 − m)·Σ wᵢ·chainᵢ(x)) to <see cref="ValueRange"/>. The weights and the chains are drawn once per call
/// (as Keras); each operation draws its own parameters per image. The operations are built from <see cref="Factor"/> as
/// RandAugment's: shear, translation, rotation, posterization, solarization, AutoContrast, Equalization, and with
/// <see cref="AllOps"/> also brightness, color degeneration, contrast and sharpness (which need RGB images). A seed s seeds
/// the draws with s and the operations with s + 1, …. The identity at inference. Gradients pass to the input through the
/// differentiable operations.
/// </summary>
public sealed class AugMix : Layer
{
    private readonly Layer[] _operations;
    private RandomGenerator? _generator;

    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="numChains">How many chains are mixed (Keras's default 3); ≥ 1.</param>
    /// <param name="chainDepth">The most operations a chain applies (Keras's default 3); ≥ 0.</param>
    /// <param name="factor">The strength of the operations: a factor f is (0, f) (Keras's default 0.3); in [0, 1].</param>
    /// <param name="alpha">The Dirichlet and Beta parameter (Keras's default 1); positive and finite.</param>
    /// <param name="allOps">Whether brightness, color degeneration, contrast and sharpness are among the operations (Keras's default true).</param>
    /// <param name="interpolation">The sampling of shear, translation and rotation: <see cref="Interpolation.Bilinear"/> (Keras's default) or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="seed">Seeds the draws (s) and the operations (s + 1, …); null forks them from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A bad value range, chain count or depth, factor, alpha or interpolation.</exception>
    public AugMix((float Lower, float Upper)? valueRange = null, int numChains = 3, int chainDepth = 3, float factor = 0.3f, float alpha = 1f,
        bool allOps = true, Interpolation interpolation = Interpolation.Bilinear, long? seed = null, string? name = null, int[]? inputShape = null)
        : this(valueRange, numChains, chainDepth, (0f, factor), alpha, allOps, interpolation, seed, name, inputShape) { }

    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="numChains">How many chains are mixed; ≥ 1.</param>
    /// <param name="chainDepth">The most operations a chain applies; ≥ 0.</param>
    /// <param name="factor">(lower, upper), 0 ≤ lower ≤ upper ≤ 1: the factor every operation is built with.</param>
    /// <param name="alpha">The Dirichlet and Beta parameter; positive and finite.</param>
    /// <param name="allOps">Whether brightness, color degeneration, contrast and sharpness are among the operations.</param>
    /// <param name="interpolation">The sampling of shear, translation and rotation.</param>
    /// <param name="seed">Seeds the draws (s) and the operations (s + 1, …); null forks them from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A bad value range, chain count or depth, factor, alpha or interpolation.</exception>
    public AugMix((float Lower, float Upper)? valueRange, int numChains, int chainDepth, (float Lower, float Upper) factor, float alpha = 1f,
        bool allOps = true, Interpolation interpolation = Interpolation.Bilinear, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (numChains < 1 || numChains > 1000) throw new ArgumentException($"AugMix num_chains {numChains} must be in [1, 1000].", nameof(numChains));
        if (chainDepth < 0 || chainDepth > 1000) throw new ArgumentException($"AugMix chain_depth {chainDepth} must be in [0, 1000].", nameof(chainDepth));
        if (!(alpha > 0f && float.IsFinite(alpha))) throw new ArgumentException($"AugMix alpha {alpha} must be positive and finite.", nameof(alpha));
        Factor = AugmentationPolicyOps.CheckFactor(factor, "AugMix");
        Interpolation = AugmentationPolicyOps.CheckInterpolation(interpolation, "AugMix");
        ValueRange = valueRange ?? (0f, 255f);
        if (!(float.IsFinite(ValueRange.Lower) && float.IsFinite(ValueRange.Upper) && ValueRange.Lower < ValueRange.Upper))
            throw new ArgumentException($"AugMix value_range {ValueRange} needs finite numbers with lower < upper.", nameof(valueRange));
        (NumChains, ChainDepth, Alpha, AllOps, Seed) = (numChains, chainDepth, alpha, allOps, seed);
        _operations = new Layer[Operations.Count];
        for (int i = 0; i < _operations.Length; i++)
            _operations[i] = Track(AugmentationPolicyOps.Create(Operations[i], Factor, ValueRange, Interpolation, seed + 1 + i));
    }

    /// <inheritdoc/>
    public override string TypeName => "AugMix";
    /// <summary>The operations a step chooses from (besides none), by the names of their sublayers.</summary>
    public IReadOnlyList<string> Operations => AllOps ? AugmentationPolicyOps.AugMixAll : AugmentationPolicyOps.AugMixBasic;
    /// <summary>The range of the images' values.</summary>
    public (float Lower, float Upper) ValueRange { get; }
    /// <summary>How many chains are mixed.</summary>
    public int NumChains { get; }
    /// <summary>The most operations a chain applies.</summary>
    public int ChainDepth { get; }
    /// <summary>The factor every operation is built with.</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>The Dirichlet and Beta parameter.</summary>
    public float Alpha { get; }
    /// <summary>Whether brightness, color degeneration, contrast and sharpness are among the operations.</summary>
    public bool AllOps { get; }
    /// <summary>The sampling of shear, translation and rotation.</summary>
    public Interpolation Interpolation { get; }
    /// <summary>The seed of the draws (the operations take the next ones); null when forked from the global generator.</summary>
    public long? Seed { get; }
    /// <summary>The generator of the weights and chains (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();
    /// <summary>The last training call's draws: the chain weights, the blend m and each chain's operations by name.</summary>
    public (float[] ChainWeights, float Blend, string[][] Chains) LastDraw { get; private set; } = ([], 1f, []);

    internal override RandomGenerator? TrainingGenerator => Generator;
    private protected override bool AcceptsSingleImages => true;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (AllOps) ImageLayerShapes.RequireRgb(this, inputShape);
        else ImageLayerShapes.RequireImages(this, inputShape);
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
        var weights = new float[NumChains];
        double total = 0;
        for (int i = 0; i < NumChains; i++) total += weights[i] = (float)GammaDistribution.Sample(Generator, Alpha);
        for (int i = 0; i < NumChains; i++) weights[i] = total > 0 ? (float)(weights[i] / total) : 1f / NumChains;
        double a = GammaDistribution.Sample(Generator, Alpha), b = GammaDistribution.Sample(Generator, Alpha);
        float blend = a + b > 0 ? (float)(a / (a + b)) : (Generator.NextFloat() < 0.5f ? 0f : 1f);
        var chains = new string[NumChains][];
        Tensor? mixed = null;
        for (int i = 0; i < NumChains; i++)
        {
            var chain = new List<string>();
            var y = x;
            for (int step = 0; step < ChainDepth; step++)
            {
                int chosen = Math.Min((int)(Generator.NextFloat() * (_operations.Length + 1)), _operations.Length);
                if (chosen == _operations.Length) continue; // "none": the step is skipped
                chain.Add(Operations[chosen]);
                y = _operations[chosen].Call(y, training: true);
            }
            chains[i] = [.. chain];
            var weighted = Ops.Multiply(y, weights[i]);
            mixed = mixed is null ? weighted : Ops.Add(mixed, weighted);
        }
        LastDraw = (weights, blend, chains);
        var result = Ops.Add(Ops.Multiply(x, blend), Ops.Multiply(mixed!, 1f - blend));
        return Ops.Clip(result, ValueRange.Lower, ValueRange.Upper);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        config["num_chains"] = NumChains;
        config["chain_depth"] = ChainDepth;
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["alpha"] = Alpha;
        config["all_ops"] = AllOps;
        config["interpolation"] = Interpolation.ToName();
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static AugMix FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        var factor = RandomImageLayer.ReadFactor(c, "factor", (0f, 0.3f), 0f, 1f, f => (0f, f));
        float alpha = c.Float("alpha", 1f, float.Epsilon, 1e6f);
        return new(RandomImageLayer.ReadValueRange(c), c.Int("num_chains", 3, 1, 1000), c.Int("chain_depth", 3, 0, 1000),
            (Math.Min(factor.Item1, factor.Item2), Math.Max(factor.Item1, factor.Item2)), alpha, c.Bool("all_ops", true),
            ImageAugmentation.ReadInterpolation(c), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
