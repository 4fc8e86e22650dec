using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Cross-entropy against integer class labels of shape (batch,) or (batch, 1), int32 or float
/// holding whole numbers. Fuses with a preceding softmax as <see cref="CategoricalCrossentropy"/> does.
/// </summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    public bool FromLogits { get; } = fromLogits;
    public override string Name => "sparse_categorical_crossentropy";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank != 2)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy needs predictions (batch, classes); got {yPred.Shape}.");
        var labels = Labels.AsInt32(yTrue, yPred.Shape[1], "SparseCategoricalCrossentropy");
        var logits = FromLogits ? yPred : Ops.SoftmaxLogits(yPred);
        if (logits is not null) return Ops.SparseSoftmaxCrossEntropy(logits, labels);
        var oneHot = Labels.OneHot(labels, yPred.Shape[1]);
        return CategoricalCrossentropy.FromProbabilities(oneHot, yPred);
    }
}
