using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Cross-entropy against integer class labels of shape (batch,) or (batch, 1), int32 or float
/// holding whole numbers. Fuses with a preceding softmax as <see cref="CategoricalCrossentropy"/> does.
/// labelSmoothing s (in Keras 3's newest releases; older ones lack it) equals CategoricalCrossentropy
/// with one-hot targets and the same smoothing.
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f) : Loss
{
    public bool FromLogits { get; } = fromLogits;
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    public override string Name => "sparse_categorical_crossentropy";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank != 2)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy needs predictions (batch, classes); got {yPred.Shape}.");
        var labels = Labels.AsInt32(yTrue, yPred.Shape[1], "SparseCategoricalCrossentropy");
        var logits = FromLogits ? yPred : Ops.SoftmaxLogits(yPred);
        var oneHot = Labels.OneHot(labels, yPred.Shape[1]);
        if (LabelSmoothing != 0f)
        {
            var smoothed = Labels.Smooth(oneHot, LabelSmoothing, 1f / yPred.Shape[1]);
            return logits is not null ? Ops.SoftmaxCrossEntropy(logits, smoothed) : CategoricalCrossentropy.FromProbabilities(smoothed, yPred);
        }
        if (logits is not null) return Ops.SparseSoftmaxCrossEntropy(logits, labels);
        return CategoricalCrossentropy.FromProbabilities(oneHot, yPred);
    }
}
