namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="CrossEntropy"/>: softmax fused with cross-entropy over rows of
/// logits. loss[r] = −Σ t[r,c]·log_softmax(z)[r,c]; the gradient is p·Σt − t, which is p − t for
/// one-hot targets. Sparse variants take class indices. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveCrossEntropy
{
    /// <summary>Writes softmax probabilities and the per-row loss.</summary>
    public static void SoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets,
        Span<float> probs, Span<float> loss, int rows, int cols)
    {
        Span<float> logp = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            NaiveSoftmax.LogForward(logits.Slice(r * cols, cols), logp, 1, cols);
            double l = 0;
            for (int c = 0; c < cols; c++)
            {
                probs[r * cols + c] = MathF.Exp(logp[c]);
                l -= (double)targets[r * cols + c] * logp[c];
            }
            loss[r] = (float)l;
        }
    }

    /// <summary>dLogits[r,:] += dLoss[r] · (p[r,:]·Σt[r,:] − t[r,:]).</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            double tsum = 0;
            for (int c = 0; c < cols; c++) tsum += targets[r * cols + c];
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                dLogits[i] += (float)(dLoss[r] * (probs[i] * tsum - targets[i]));
            }
        }
    }

    /// <summary>As <see cref="SoftmaxForward"/> with class indices; throws for a label outside [0, cols).</summary>
    public static void SparseSoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels,
        Span<float> probs, Span<float> loss, int rows, int cols)
    {
        Span<float> logp = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label at row {r} is {label}; expected 0..{cols - 1}.");
            NaiveSoftmax.LogForward(logits.Slice(r * cols, cols), logp, 1, cols);
            for (int c = 0; c < cols; c++) probs[r * cols + c] = MathF.Exp(logp[c]);
            loss[r] = -logp[label];
        }
    }

    /// <summary>dLogits[r,:] += dLoss[r] · (p[r,:] − onehot(label[r])).</summary>
    public static void SparseSoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                dLogits[i] += dLoss[r] * (probs[i] - (c == labels[r] ? 1f : 0f));
            }
    }
}
