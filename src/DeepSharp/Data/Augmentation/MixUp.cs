using DeepSharp.Tensors;

namespace DeepSharp.Data.Augmentation;

/// <summary>
/// Keras 3's <c>MixUp</c> (Zhang et al., 2017) as a batch transform: one weight λ ~ Beta(α, α) per batch and a random
/// permutation p of the batch; images λ·x + (1 − λ)·x[p] and labels λ·y + (1 − λ)·y[p]. Use
/// <see cref="BatchMixing.Over(DataLoader)"/> to train on mixed batches.
/// </summary>
public sealed class MixUp : BatchMixing
{
    /// <param name="alpha">Beta(α, α)'s parameter (Keras's default 0.2): small values mix little, 1 mixes uniformly; positive and finite.</param>
    /// <param name="seed">Seeds the transform's own generator; null forks one from the global generator.</param>
    /// <exception cref="ArgumentOutOfRangeException">α is not a positive finite number.</exception>
    public MixUp(float alpha = 0.2f, long? seed = null) : base(seed)
    {
        if (!(alpha > 0f && float.IsFinite(alpha))) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "MixUp needs a positive finite alpha.");
        Alpha = alpha;
    }

    /// <summary>The parameter of Beta(α, α).</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override string TypeName => "MixUp";

    private protected override (Tensor Images, Tensor Labels) Mix(Tensor images, Tensor labels)
    {
        int batch = images.Shape[0], perImage = batch == 0 ? 0 : images.Size / batch;
        var partner = Permutation(batch);
        float weight = BetaDistribution.Sample(Generator, Alpha);
        var mixed = Tensor.Empty(images.Shape);
        ReadOnlySpan<float> x = images.Span;
        Span<float> m = mixed.Span;
        for (int n = 0; n < batch; n++)
            for (int i = 0; i < perImage; i++)
                m[n * perImage + i] = weight * x[n * perImage + i] + (1f - weight) * x[partner[n] * perImage + i];
        var weights = new float[batch];
        Array.Fill(weights, weight);
        return (mixed, MixLabels(labels, partner, weights));
    }
}
