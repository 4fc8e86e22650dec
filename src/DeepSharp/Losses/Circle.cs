using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Circle loss (Sun et al., 2020), as Keras's Circle: a metric-learning loss on integer labels y_true (batch,) and
/// embeddings y_pred (batch, dims), meant to be L2-normalised (a Dense layer without activation followed by
/// UnitNormalization). Each sample is a query against every sample of the batch: with d = max(1 − qᵀk, 0) the cosine
/// distance, pairs of one label are positives and pairs of different labels negatives (a sample with itself is left
/// out when <see cref="RemoveDiagonal"/>), and the sample's loss is
/// softplus(logsumexp −γ·max(m + d, 0)·(m − d) over positives + logsumexp γ·max(1 + m − d, 0)·(1 − m − d) over negatives).
/// As in Keras the loss masks itself where it is 0 (samples without a positive or without a negative): the batch's
/// value is the mean over the others.
/// </summary>
public sealed class Circle : Loss
{
    /// <param name="gamma">γ &gt; 0, the scale of every similarity score (Keras's default 80).</param>
    /// <param name="margin">m, the relaxation margin (Keras's default 0.4).</param>
    /// <param name="removeDiagonal">Whether a sample paired with itself is left out of its positives (Keras's default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">γ is not a finite positive number, or m is not finite.</exception>
    public Circle(float gamma = 80f, float margin = 0.4f, bool removeDiagonal = true)
    {
        if (!(gamma > 0f && float.IsFinite(gamma))) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Circle: gamma must be a finite number > 0.");
        if (!float.IsFinite(margin)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "Circle: margin must be a finite number.");
        (Gamma, Margin, RemoveDiagonal) = (gamma, margin, removeDiagonal);
    }

    /// <summary>γ: the scale of every similarity score.</summary>
    public float Gamma { get; }
    /// <summary>m: the relaxation margin.</summary>
    public float Margin { get; }
    /// <summary>Whether a sample paired with itself is left out of its positives.</summary>
    public bool RemoveDiagonal { get; }
    /// <inheritdoc/>
    public override string Name => "circle";

    /// <summary>
    /// One loss per sample (batch,), scaled by batch / (samples with a nonzero loss) and 0 for the others, so that the
    /// plain mean is the mean over the samples that have a loss.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The labels are not one per sample, or the embeddings are not (batch, dims).</exception>
    /// <exception cref="DeepSharpException">A label is not a whole number.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var (loss, kept) = Unreduced(yTrue, yPred);
        var k = kept.Span;
        int valid = 0;
        foreach (float v in k) if (v != 0f) valid++;
        if (valid > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(k, (float)k.Length / valid, k);
        return Ops.Multiply(loss, kept);
    }

    /// <summary>The samples whose loss is 0 are the loss's own mask (Keras 3 masks the losses there).</summary>
    private protected override (Tensor Values, Tensor? Mask) ElementLosses(Tensor yTrue, Tensor yPred) => Unreduced(yTrue, yPred);

    private (Tensor Loss, Tensor Kept) Unreduced(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank != 2 || yPred.DType != DType.Float32)
            throw new ShapeMismatchException($"Circle needs float embeddings (batch, dims); got {yPred.Shape} {yPred.DType}.");
        int batch = yPred.Shape[0];
        if (yTrue.Size != batch || yTrue.Rank > 2)
            throw new ShapeMismatchException($"Circle needs one integer label per sample, (batch,) or (batch, 1), for embeddings {yPred.Shape}; got labels {yTrue.Shape}.");
        var labels = new long[batch];
        var floats = yTrue.DType == DType.Int32 ? null : yTrue.ToFloat();
        for (int i = 0; i < batch; i++)
        {
            double v = floats is null ? yTrue.IntSpan[i] : floats.Span[i];
            if (v != Math.Floor(v) || double.IsInfinity(v))
                throw new DeepSharpException($"Circle: label {v} of sample {i} is not a whole number.");
            labels[i] = (long)v;
        }
        var positive = Tensor.Temp(new Shape(batch, batch));
        var negative = Tensor.Temp(new Shape(batch, batch));
        var ps = positive.Span;
        var ns = negative.Span;
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < batch; j++)
            {
                bool same = labels[i] == labels[j];
                ps[i * batch + j] = same && !(RemoveDiagonal && i == j) ? 1f : 0f;
                ns[i * batch + j] = same ? 0f : 1f;
            }
        var distances = Ops.Relu(Ops.Affine(Ops.MatMul(yPred, Ops.Transpose(yPred)), -1f, 1f));   // max(1 − cos, 0)
        var loss = Ops.CircleLoss(distances, positive, negative, Gamma, Margin);
        var kept = Tensor.Temp(new Shape(batch));
        var l = loss.Span;
        var k = kept.Span;
        for (int i = 0; i < batch; i++) k[i] = l[i] > 0f ? 1f : 0f;
        return (loss, kept);
    }
}
