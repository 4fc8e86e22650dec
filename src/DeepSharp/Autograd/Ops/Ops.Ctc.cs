using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>The CTC loss (Keras's <c>keras.ops.ctc_loss</c>, PyTorch's <c>F.ctc_loss</c> with reduction "none").</summary>
public static partial class Ops
{
    /// <summary>
    /// −log P(labels | logits) per sample (B,), by CTC's log-space forward-backward algorithm (Kernels/Cpu/Ctc.cs).
    /// Shapes: B batch, T frames, C classes, L label positions. Sample b reads its first
    /// <paramref name="logitLengths"/>[b] frames and its first <paramref name="labelLengths"/>[b] labels; the frames
    /// after its length get no gradient. A label sequence too long for its frames gives +∞ (gradient 0), as TensorFlow.
    /// </summary>
    /// <param name="logits">(B, T, C) unnormalised scores: a log-softmax over C is taken here.</param>
    /// <param name="labels">(B, L) int32 (or whole-number float) labels in [0, C), none equal to <paramref name="blankIndex"/> within its length.</param>
    /// <param name="labelLengths">(B,) each sample's number of labels, in [0, L].</param>
    /// <param name="logitLengths">(B,) each sample's number of frames, in [0, T].</param>
    /// <param name="blankIndex">The blank class (Keras's <c>mask_index</c>, default 0).</param>
    /// <exception cref="ShapeMismatchException">The shapes are not (B, T, C), (B, L), (B,), (B,).</exception>
    /// <exception cref="DeepSharpException">A label or length is out of range, or a label is the blank.</exception>
    public static Tensor CtcLoss(Tensor logits, Tensor labels, Tensor labelLengths, Tensor logitLengths, int blankIndex = 0)
    {
        if (logits.Rank != 3 || logits.DType != DType.Float32)
            throw new ShapeMismatchException($"CTC loss needs float logits (batch, frames, classes); got {logits.Shape} {logits.DType}.");
        int batch = logits.Shape[0], frames = logits.Shape[1], classes = logits.Shape[2];
        if (labels.Rank != 2 || labels.Shape[0] != batch || labelLengths.Size != batch || logitLengths.Size != batch || labelLengths.Rank > 1 || logitLengths.Rank > 1)
            throw new ShapeMismatchException($"CTC loss needs labels (batch, max_length), label lengths (batch,) and logit lengths (batch,) for logits {logits.Shape}; " +
                $"got labels {labels.Shape}, label lengths {labelLengths.Shape}, logit lengths {logitLengths.Shape}.");
        if ((uint)blankIndex >= (uint)classes)
            throw new ArgumentOutOfRangeException(nameof(blankIndex), blankIndex, $"CTC loss: the blank index must be a class in [0, {classes}).");
        int maxLabels = labels.Shape[1];
        var ids = CtcIntegers(labels, "labels");
        var labelCounts = CtcIntegers(labelLengths, "label lengths");
        var frameCounts = CtcIntegers(logitLengths, "logit lengths");
        for (int b = 0; b < batch; b++)
        {
            if ((uint)labelCounts[b] > (uint)maxLabels)
                throw new DeepSharpException($"CTC loss: label length {labelCounts[b]} of sample {b} is outside [0, {maxLabels}] (labels {labels.Shape}).");
            if ((uint)frameCounts[b] > (uint)frames)
                throw new DeepSharpException($"CTC loss: logit length {frameCounts[b]} of sample {b} is outside [0, {frames}] (logits {logits.Shape}).");
            for (int i = 0; i < labelCounts[b]; i++)
            {
                int id = ids[b * maxLabels + i];
                if ((uint)id >= (uint)classes || id == blankIndex)
                    throw new DeepSharpException($"CTC loss: label {id} at sample {b}, position {i} is not a class in [0, {classes}) other than the blank {blankIndex}.");
            }
        }
        bool needed = OpNode.Needed(logits);
        var loss = Tensor.Temp(new Shape(batch));
        var gradient = needed ? Tensor.Temp(logits.Shape, clear: true) : null;
        // The samples are independent: one work item each, ≈ 32 flops per α/β cell and per class of each frame.
        long work = 32L * batch * frames * (2L * maxLabels + 1 + classes);
        Kernels.Cpu.WorkerPool.Shared.For(batch, new CtcSamples(logits, ids, maxLabels, labelCounts, frameCounts, blankIndex, loss, gradient), work);
        return gradient is not null ? new CtcNode(logits, gradient).Attach(loss) : loss;
    }

    /// <summary>Sample b's loss (and gradient) as one work item of the pool.</summary>
    private sealed class CtcSamples(Tensor logits, int[] ids, int maxLabels, int[] labelCounts, int[] frameCounts, int blank, Tensor loss, Tensor? gradient)
        : Kernels.Cpu.IParallelBody
    {
        public void Execute(int b)
        {
            int classes = logits.Shape[2], sample = logits.Shape[1] * classes;
            var d = gradient is null ? Span<float>.Empty : gradient.Span.Slice(b * sample, sample);
            loss.Span[b] = (float)Kernels.Cpu.Ctc.Loss(logits.Span.Slice(b * sample, sample), frameCounts[b], classes,
                ids.AsSpan(b * maxLabels, labelCounts[b]), blank, d);
        }
    }

    /// <summary>The values of an int32 or whole-number float tensor.</summary>
    private static int[] CtcIntegers(Tensor t, string what)
    {
        if (t.DType == DType.Int32) return t.IntSpan.ToArray();
        if (t.DType != DType.Float32) throw new ShapeMismatchException($"CTC loss needs int32 {what}; got {t.DType}.");
        var values = new int[t.Size];
        var s = t.Span;
        for (int i = 0; i < values.Length; i++)
        {
            if (s[i] != MathF.Floor(s[i]) || MathF.Abs(s[i]) > 1e9f)
                throw new DeepSharpException($"CTC loss: {what} hold {s[i]} at index {i}, not a whole number.");
            values[i] = (int)s[i];
        }
        return values;
    }

    /// <summary>Saves the gradient of each sample's loss (computed with the loss); backward scales it by dy[b].</summary>
    private sealed class CtcNode(Tensor logits, Tensor gradient) : OpNode(logits)
    {
        public override string Name => "CtcLoss";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            int batch = logits.Shape[0], sample = logits.Size / Math.Max(1, batch);
            var d = dx.Span;
            var g = gradient.Span;
            var upstream = dy.Span;
            for (int b = 0; b < batch; b++)
            {
                float scale = upstream[b];
                if (scale == 0f) continue;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g.Slice(b * sample, sample), scale, d.Slice(b * sample, sample), d.Slice(b * sample, sample));
            }
        }
    }
}
