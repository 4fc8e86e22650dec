using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Softmax fused with cross-entropy; see <see cref="NaiveCrossEntropy"/> for the exact contract.</summary>
public static class CrossEntropy
{
    public static void SoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> probs, Span<float> loss, int rows, int cols)
        => NaiveCrossEntropy.SoftmaxForward(logits, targets, probs, loss, rows, cols);
    public static void SoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<float> targets, ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
        => NaiveCrossEntropy.SoftmaxBackward(probs, targets, dLoss, dLogits, rows, cols);
    public static void SparseSoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> probs, Span<float> loss, int rows, int cols)
        => NaiveCrossEntropy.SparseSoftmaxForward(logits, labels, probs, loss, rows, cols);
    public static void SparseSoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<int> labels, ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
        => NaiveCrossEntropy.SparseSoftmaxBackward(probs, labels, dLoss, dLogits, rows, cols);
}
