using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Softmax fused with cross-entropy: per-row loss −Σ t·log_softmax(z) for logits z (rows, classes)
    /// and target probabilities t of the same shape. Stable for any logits.
    /// </summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor targets)
    {
        if (logits.Rank != 2 || targets.Shape != logits.Shape)
            throw new ShapeMismatchException($"Cross-entropy needs logits (batch, classes) and targets of the same shape; got logits {logits.Shape}, targets {targets.Shape}.");
        int rows = logits.Shape[0], cols = logits.Shape[1];
        var probs = logits.TempLike();
        var loss = Tensor.Temp(new Shape(rows));
        CrossEntropy.SoftmaxForward(logits.Span, targets.Span, probs.Span, loss.Span, rows, cols);
        return OpNode.Needed(logits) ? new SoftmaxCrossEntropyNode(logits, targets, probs).Attach(loss) : loss;
    }

    /// <summary>
    /// As <see cref="SoftmaxCrossEntropy"/> with integer class labels (rows,) instead of target
    /// probabilities; a label outside [0, classes) throws.
    /// </summary>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor logits, Tensor labels)
    {
        if (logits.Rank != 2 || labels.Rank != 1 || labels.Shape[0] != logits.Shape[0] || labels.DType != DType.Int32)
            throw new ShapeMismatchException($"Sparse cross-entropy needs logits (batch, classes) and int32 labels (batch,); got logits {logits.Shape}, labels {labels.Shape} {labels.DType}.");
        int rows = logits.Shape[0], cols = logits.Shape[1];
        var probs = logits.TempLike();
        var loss = Tensor.Temp(new Shape(rows));
        CrossEntropy.SparseSoftmaxForward(logits.Span, labels.IntSpan, probs.Span, loss.Span, rows, cols);
        return OpNode.Needed(logits) ? new SparseSoftmaxCrossEntropyNode(logits, labels, probs).Attach(loss) : loss;
    }

    private sealed class SoftmaxCrossEntropyNode(Tensor logits, Tensor targets, Tensor probs) : OpNode(logits)
    {
        public override string Name => "SoftmaxCrossEntropy";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dz)
                CrossEntropy.SoftmaxBackward(probs.Span, targets.Span, dy.Span, dz.Span, logits.Shape[0], logits.Shape[1]);
        }
    }

    private sealed class SparseSoftmaxCrossEntropyNode(Tensor logits, Tensor labels, Tensor probs) : OpNode(logits)
    {
        public override string Name => "SparseSoftmaxCrossEntropy";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dz)
                CrossEntropy.SparseSoftmaxBackward(probs.Span, labels.IntSpan, dy.Span, dz.Span, logits.Shape[0], logits.Shape[1]);
        }
    }
}
