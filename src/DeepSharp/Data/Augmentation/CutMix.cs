using DeepSharp.Tensors;

namespace DeepSharp.Data.Augmentation;

/// <summary>
/// Keras 3's <c>CutMix</c> (Yun et al., 2019) as a batch transform: α drawn from the factor range (+1e-6), then per image
/// λ ~ Beta(α, α); a box of r·width × r·height, r = √(1 − λ), at a uniformly random place (real-valued corners, as Keras)
/// is pasted from image p[n] of a random permutation p: pixel (x, y) is taken where x0 ≤ x &lt; x1 and y0 ≤ y &lt; y1. Labels
/// mix by the box's area as Keras computes it: w = 1 − (x1 − x0)(y1 − y0)/(width·height), y·w + y[p]·(1 − w). Use
/// <see cref="BatchMixing.Over(DataLoader)"/> to train on mixed batches.
/// </summary>
public sealed class CutMix : BatchMixing
{
    /// <param name="factor">A number f draws α from [0, f] (Keras's default 1); in [0, 1].</param>
    /// <param name="seed">Seeds the transform's own generator; null forks one from the global generator.</param>
    /// <exception cref="ArgumentException">The factor is outside [0, 1].</exception>
    public CutMix(float factor = 1f, long? seed = null) : this((0f, factor), seed) { }

    /// <param name="factor">(lower, upper): α is drawn from it once per batch; each in [0, 1] (a pair is sorted).</param>
    /// <param name="seed">Seeds the transform's own generator; null forks one from the global generator.</param>
    /// <exception cref="ArgumentException">A factor is outside [0, 1].</exception>
    public CutMix((float Lower, float Upper) factor, long? seed = null) : base(seed)
    {
        if (!(factor.Lower >= 0f && factor.Lower <= 1f && factor.Upper >= 0f && factor.Upper <= 1f))
            throw new ArgumentException($"CutMix factor {factor} needs values in [0, 1].", nameof(factor));
        Factor = (Math.Min(factor.Lower, factor.Upper), Math.Max(factor.Lower, factor.Upper));
    }

    /// <summary>(lower, upper): the range α is drawn from.</summary>
    public (float Lower, float Upper) Factor { get; }

    /// <inheritdoc/>
    public override string TypeName => "CutMix";

    private protected override (Tensor Images, Tensor Labels) Mix(Tensor images, Tensor labels)
    {
        int batch = images.Shape[0], height = images.Shape[1], width = images.Shape[2], channels = images.Shape[3];
        float alpha = Factor.Lower + (Factor.Upper - Factor.Lower) * Generator.NextFloat() + 1e-6f;
        var weights = new float[batch];
        var boxes = new (float X0, float X1, float Y0, float Y1)[batch];
        for (int n = 0; n < batch; n++)
        {
            float ratio = MathF.Sqrt(1f - BetaDistribution.Sample(Generator, alpha));
            float boxWidth = ratio * width, boxHeight = ratio * height;
            float x0 = Generator.NextFloat() * (width - boxWidth), y0 = Generator.NextFloat() * (height - boxHeight);
            boxes[n] = (x0, x0 + boxWidth, y0, y0 + boxHeight);
            weights[n] = 1f - boxWidth * boxHeight / (width * (float)height);
        }
        var partner = Permutation(batch);
        var mixed = images.Span.ToArray();
        ReadOnlySpan<float> x = images.Span;
        for (int n = 0; n < batch; n++)
        {
            var (x0, x1, y0, y1) = boxes[n];
            for (int row = 0; row < height; row++)
            {
                if (row < y0 || row >= y1) continue;
                for (int column = 0; column < width; column++)
                {
                    if (column < x0 || column >= x1) continue;
                    int at = ((n * height + row) * width + column) * channels, from = ((partner[n] * height + row) * width + column) * channels;
                    x.Slice(from, channels).CopyTo(mixed.AsSpan(at, channels));
                }
            }
        }
        return (Tensor.FromArray(mixed, images.Shape), MixLabels(labels, partner, weights));
    }
}
