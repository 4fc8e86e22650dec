using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Softmax fused with cross-entropy; see <see cref="NaiveCrossEntropy"/> for the exact contract.
/// Each row is exponentiated once: probs = e / Σe with e = exp(z − max), and the loss uses
/// log_softmax(z) = z − (max + log Σe). The sparse backward pass gives the twin's bits exactly.
/// probs must not overlap logits.
/// </summary>
internal static unsafe class CrossEntropy
{
    public static void SoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> probs, Span<float> loss, int rows, int cols)
    {
        Softmax.RequireLengths(logits.Length, probs.Length, rows, cols);
        Softmax.RequireLengths(targets.Length, probs.Length, rows, cols);
        if (loss.Length < rows) throw new ArgumentException($"loss has {loss.Length} elements; expected {rows}.", nameof(loss));
        var logp = new Span<float>(Scratch.Floats(Scratch.TileC, cols), cols);
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * cols, cols);
            float logSum = Softmax.ProbabilitiesRow(z, probs.Slice(r * cols, cols));
            if (cols <= Softmax.ShortRow)
            {
                float l = 0;
                for (int c = 0; c < cols; c++) l -= targets[r * cols + c] * (z[c] - logSum);
                loss[r] = l;
                continue;
            }
            TensorPrimitives.Subtract(z, logSum, logp);
            loss[r] = -TensorPrimitives.Dot(targets.Slice(r * cols, cols), logp);
        }
    }

    /// <summary>dLogits[r,:] += dLoss[r] · (p[r,:]·Σt[r,:] − t[r,:]).</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<float> targets, ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
    {
        Softmax.RequireLengths(probs.Length, dLogits.Length, rows, cols);
        Softmax.RequireLengths(targets.Length, dLogits.Length, rows, cols);
        if (dLoss.Length < rows) throw new ArgumentException($"dLoss has {dLoss.Length} elements; expected {rows}.", nameof(dLoss));
        for (int r = 0; r < rows; r++)
        {
            var t = targets.Slice(r * cols, cols);
            var p = probs.Slice(r * cols, cols);
            var d = dLogits.Slice(r * cols, cols);
            ElementwiseDriver.Map(new CrossEntropyBackwardOperator(dLoss[r], TensorPrimitives.Sum(t)), p, t, d, d);
        }
    }

    /// <summary>As <see cref="SoftmaxForward"/> with class indices; throws for a label outside [0, cols).</summary>
    public static void SparseSoftmaxForward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> probs, Span<float> loss, int rows, int cols)
    {
        Softmax.RequireLengths(logits.Length, probs.Length, rows, cols);
        if (labels.Length < rows || loss.Length < rows)
            throw new ArgumentException($"labels ({labels.Length}) and loss ({loss.Length}) need {rows} elements.");
        for (int r = 0; r < rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label at row {r} is {label}; expected 0..{cols - 1}.");
            float z = logits[r * cols + label];
            float logSum = Softmax.ProbabilitiesRow(logits.Slice(r * cols, cols), probs.Slice(r * cols, cols));
            loss[r] = -(z - logSum);
        }
    }

    /// <summary>dLogits[r,:] += dLoss[r] · (p[r,:] − onehot(label[r])).</summary>
    public static void SparseSoftmaxBackward(ReadOnlySpan<float> probs, ReadOnlySpan<int> labels, ReadOnlySpan<float> dLoss, Span<float> dLogits, int rows, int cols)
    {
        Softmax.RequireLengths(probs.Length, dLogits.Length, rows, cols);
        if (labels.Length < rows || dLoss.Length < rows)
            throw new ArgumentException($"labels ({labels.Length}) and dLoss ({dLoss.Length}) need {rows} elements.");
        for (int r = 0; r < rows; r++)
        {
            var p = probs.Slice(r * cols, cols);
            var d = dLogits.Slice(r * cols, cols);
            float scale = dLoss[r];
            int label = labels[r];
            bool hasLabel = (uint)label < (uint)cols;
            float before = hasLabel ? d[label] : 0f;
            ElementwiseDriver.Map(new ScaledAddOperator(scale), p, d, d);
            if (hasLabel) d[label] = before + scale * (p[label] - 1f);
        }
    }
}
