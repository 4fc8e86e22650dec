using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Cross-entropy against integer class labels of shape (batch,) or (batch, 1), int32 or float
/// holding whole numbers; or, for sequence outputs (batch, ..., classes), labels (batch, ...) with
/// one class per position (a language model's next tokens). Fuses with a preceding softmax as
/// <see cref="CategoricalCrossentropy"/> does. labelSmoothing s (in Keras 3's newest releases; older
/// ones lack it) equals CategoricalCrossentropy with one-hot targets and the same smoothing.
/// With <c>ignoreClass</c> (Keras 3's <c>ignore_class</c>, e.g. the padding id 0) positions
/// labelled with it add nothing and the mean runs over the other positions only. <c>axis</c> is the classes axis of the
/// predictions (the last by default), as in Keras 3's <c>sparse_categorical_crossentropy</c> function and metric (its loss
/// class has no such argument): axis 1 takes PyTorch's (batch, classes, positions...) layout with labels (batch,
/// positions...).
/// </summary>
/// <param name="fromLogits">True when the model outputs raw scores (no softmax), as PyTorch's CrossEntropyLoss expects.</param>
/// <param name="labelSmoothing">s in [0, 1]: how much probability mass moves from the targets towards uniform (0: none).</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
/// <param name="ignoreClass">A label value whose positions are left out of the loss (PyTorch's ignore_index); null: none.</param>
/// <param name="axis">The classes axis of the predictions (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int? ignoreClass = null, int axis = -1) : Loss
{
    /// <summary>Whether predictions are logits rather than probabilities that sum to 1 over the last axis.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>Smoothing s in [0, 1]: the true class gets 1 − s + s/classes, every other class s/classes.</summary>
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    /// <summary>The label value that marks positions to leave out (e.g. padding); null when every position counts.</summary>
    public int? IgnoreClass { get; } = ignoreClass;
    /// <summary>The classes axis of the predictions (negative counts from the end).</summary>
    public int Axis { get; } = CheckAxis(axis, "SparseCategoricalCrossentropy");
    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <summary>
    /// One loss per sample (batch,), or per position (batch, positions...) for sequence predictions. With
    /// <see cref="IgnoreClass"/>, ignored positions are 0 and the others are scaled by count / kept, so
    /// that the plain mean of the result is the mean over the kept positions.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The predictions have no class axis, <see cref="Axis"/> is not one of their non-batch axes, or the labels are not one per sample (or per position).</exception>
    /// <exception cref="DeepSharpException">A label is not a whole number in [0, classes) (and not <see cref="IgnoreClass"/>).</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var (loss, kept) = Unreduced(yTrue, yPred);
        if (kept is null) return loss;
        // Weights n / valid on the kept positions, so that the batch mean is the mean over them.
        var k = kept.Span;
        int valid = 0;
        foreach (float v in k) if (v != 0f) valid++;
        if (valid > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(k, (float)k.Length / valid, k);
        return Ops.Multiply(loss, kept);
    }

    /// <summary>With ignoreClass, the ignored positions are the loss's own mask (Keras 3 masks the losses there).</summary>
    private protected override (Tensor Values, Tensor? Mask) ElementLosses(Tensor yTrue, Tensor yPred) => Unreduced(yTrue, yPred);

    /// <summary>
    /// The losses per row, or per position as (batch, positions) for sequence outputs (every position
    /// is a row, e.g. a language model's next tokens), and with ignoreClass the 0/1 weights of the
    /// positions that count, in the losses' shape (null without ignoreClass).
    /// </summary>
    private (Tensor Loss, Tensor? Kept) Unreduced(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 2)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy needs predictions (batch, ..., classes); got {yPred.Shape}.");
        var given = yPred.Shape;
        yPred = AxisLast(yPred, Axis, "SparseCategoricalCrossentropy");
        int batch = yPred.Shape[0], classes = yPred.Shape[-1];
        var rows = AsRows(yPred);
        if (yPred.Rank > 2)
        {
            if (yTrue.Size != rows.Shape[0])
                throw new ShapeMismatchException($"SparseCategoricalCrossentropy: predictions {given}{(given == yPred.Shape ? "" : $" (classes axis {Axis})")} need one label per position ({batch}×{rows.Shape[0] / Math.Max(1, batch)}); got labels {yTrue.Shape}.");
            yTrue = yTrue.View(rows.Shape[0]);
        }
        // The softmax's logits are found on the predictions themselves, before they become rows.
        var logits = FromLogits ? yPred : Ops.SoftmaxLogits(yPred);
        var (labels, kept) = IgnoreClass is { } ignored ? WithoutIgnored(yTrue, ignored, classes) : (Labels.AsInt32(yTrue, classes, "SparseCategoricalCrossentropy"), null);
        var loss = PerPosition(PerRow(labels, rows, logits is null ? null : AsRows(logits)), yPred.Shape);
        return (loss, kept?.View(loss.Shape));
    }

    /// <summary>The loss of each row of <paramref name="rows"/> (batch, classes), on <paramref name="logits"/> when known.</summary>
    private Tensor PerRow(Tensor labels, Tensor rows, Tensor? logits)
    {
        if (LabelSmoothing == 0f && logits is not null) return Ops.SparseSoftmaxCrossEntropy(logits, labels);
        int classes = rows.Shape[1];
        var targets = Labels.Smooth(Labels.OneHot(labels, classes), LabelSmoothing, 1f / classes);
        return logits is not null ? Ops.SoftmaxCrossEntropy(logits, targets) : CategoricalCrossentropy.FromProbabilities(targets, rows);
    }

    /// <summary>Labels with ignored positions replaced by class 0, and weights 0 there and 1 elsewhere.</summary>
    private static (Tensor Labels, Tensor Kept) WithoutIgnored(Tensor yTrue, int ignored, int classes)
    {
        if (yTrue.Rank == 2 && yTrue.Shape[1] == 1) yTrue = yTrue.View(yTrue.Shape[0]);
        if (yTrue.Rank != 1)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy needs integer labels of shape (batch,) or (batch, 1); got {yTrue.Shape}.");
        int n = yTrue.Shape[0];
        var labels = Tensor.IntTemp(new Shape(n));
        var kept = Tensor.Temp(new Shape(n));
        var dst = labels.IntSpan;
        var s = kept.Span;
        for (int i = 0; i < n; i++)
        {
            float v = yTrue.DType == DType.Int32 ? yTrue.IntSpan[i] : yTrue.Span[i];
            if (v == ignored) { (dst[i], s[i]) = (0, 0f); continue; }
            if (v != MathF.Floor(v) || v < 0 || v >= classes)
                throw new DeepSharpException($"SparseCategoricalCrossentropy: label {v} at position {i} is not a class in [0, {classes}).");
            (dst[i], s[i]) = ((int)v, 1f);
        }
        return (labels, kept);
    }
}
