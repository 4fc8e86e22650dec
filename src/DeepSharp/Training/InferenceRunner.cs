using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A Sequential model's layers run for Predict (no gradients, no masks written back): each layer's
/// own forward, except where layers run better together — <see cref="ConvPoolFusion"/> (a Conv2D,
/// a folded BatchNormalization and a ReLU, and the MaxPooling2D after them, in one pass with the
/// kernel prepared once per layer),
/// <see cref="BatchNormFolding"/> (a linear Conv2D/Dense and the BatchNormalization after it),
/// <see cref="ConvPoolChunking"/> (the pairs the fusion does not take — a padded direct convolution,
/// a quantized one — and the MaxPooling2D after it, a few images at a time, the chunks shared over
/// the threads) and <see cref="QuantizedChain"/> (quantized layers with
/// u8 activations between them). Dense layers at batch 1–8 run the inference kernel DenseRows through
/// Ops.Linear, which picks it when no gradient is recorded.
/// </summary>
internal static class InferenceRunner
{
    /// <summary>The layers in order on <paramref name="x"/>; masks flow as in Sequential.Call.</summary>
    public static Tensor Run(IReadOnlyList<Layer> layers, Tensor x)
    {
        Tensor? mask = null;
        for (int i = 0; i < layers.Count; i++)
        {
            if (mask is null && QuantizedChain.TryRun(layers, i, x, out int last) is { } chained)
            {
                x = chained;
                i = last;
                continue;
            }
            if (mask is null && ConvPoolFusion.TryFused(layers, i, x, out last) is { } fused)
            {
                x = fused;
                i = last;
                continue;
            }
            if (mask is null && i + 1 < layers.Count
                && (BatchNormFolding.TryFolded(layers[i], layers[i + 1], x) ?? ConvPoolChunking.TryChunked(layers[i], layers[i + 1], x)) is { } pair)
            {
                x = pair;
                i++;
                continue;
            }
            (x, mask) = layers[i].CallMasked(x, mask, training: false);
        }
        return x;
    }
}
