using DeepSharp.Tensors;

namespace DeepSharp.Metrics.LossMetrics;

/// <summary>
/// Mean over samples of the mean over the last axis of the binary cross-entropy
/// −(t·log p + (1 − t)·log(1 − p)), probabilities clipped to [1e−7, 1 − 1e−7] (Keras's BinaryCrossentropy metric;
/// the loss of the same name is <see cref="Losses.BinaryCrossentropy"/>). Logits go through the stable form
/// max(x, 0) − x·t + log(1 + e^(−|x|)).
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t·(1 − s) + s/2.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
public sealed class BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0f) : RowMetric
{
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>How far targets are pulled toward 0.5.</summary>
    public float LabelSmoothing { get; } = Losses.Labels.CheckSmoothing(labelSmoothing);
    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The mean binary cross-entropy over the sample's last axis.</summary>
    protected override double Score(Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var targets = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double t = targets[i] * (1.0 - LabelSmoothing) + 0.5 * LabelSmoothing;
            if (FromLogits)
            {
                double x = p[i];
                s += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
            }
            else
            {
                double q = Math.Clamp(p[i], Epsilon.Value, 1 - Epsilon.Value);
                s -= t * Math.Log(q) + (1 - t) * Math.Log(1 - q);
            }
        }
        return s / p.Length;
    }
}

/// <summary>
/// Mean over samples of −Σ t·log p over the last axis, one-hot (or soft) targets against probabilities normalised to
/// sum 1 and clipped to [1e−7, 1 − 1e−7], or against log-softmax of logits (Keras's CategoricalCrossentropy metric).
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
/// <param name="labelSmoothing">In [0, 1]: targets become t·(1 − s) + s/classes.</param>
/// <param name="axis">The classes axis (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1], or <paramref name="axis"/> is 0.</exception>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int axis = -1) : RowMetric
{
    /// <inheritdoc/>
    public override int Axis { get; } = axis != 0 ? axis : throw new ArgumentOutOfRangeException(nameof(axis), axis, "CategoricalCrossentropy: axis 0 is the batch axis.");
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>How far targets are pulled toward the uniform distribution.</summary>
    public float LabelSmoothing { get; } = Losses.Labels.CheckSmoothing(labelSmoothing);
    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>−Σ t·log p over the sample's classes.</summary>
    protected override double Score(Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var targets = TargetRow(yTrue, row);
        double s = 0;
        for (int c = 0; c < p.Length; c++)
        {
            double t = targets[c] * (1.0 - LabelSmoothing) + LabelSmoothing / p.Length;
            if (t != 0) s -= t * LogProbability(p, c, FromLogits);
        }
        return s;
    }

    /// <summary>log p_c of one row: log-softmax of logits, or the log of the normalised, clipped probability.</summary>
    internal static double LogProbability(ReadOnlySpan<float> p, int c, bool fromLogits)
    {
        if (fromLogits)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < p.Length; i++) max = Math.Max(max, p[i]);
            for (int i = 0; i < p.Length; i++) sum += Math.Exp(p[i] - max);
            return p[c] - max - Math.Log(sum);
        }
        double total = 0;
        for (int i = 0; i < p.Length; i++) total += p[i];
        return Math.Log(Math.Clamp(p[c] / total, Epsilon.Value, 1 - Epsilon.Value));
    }
}

/// <summary>
/// Mean over samples of −log p[label] for integer labels (batch,) against probabilities or logits (batch, classes)
/// (Keras's SparseCategoricalCrossentropy metric); positions labelled <c>ignoreClass</c> are left out of the mean.
/// Sequence outputs (batch, time, classes) with labels (batch, time) are scored per position; with Keras's <c>axis</c> the
/// classes may lie on another axis, e.g. axis 1 of (batch, classes, time).
/// </summary>
/// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
/// <param name="ignoreClass">A label whose positions count for nothing (a padding id), or null.</param>
/// <param name="axis">The classes axis of the predictions (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, int? ignoreClass = null, int axis = -1) : RowMetric
{
    /// <inheritdoc/>
    public override int Axis { get; } = axis != 0 ? axis : throw new ArgumentOutOfRangeException(nameof(axis), axis, "SparseCategoricalCrossentropy: axis 0 is the batch axis.");
    /// <summary>Whether predictions are logits.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>The label whose positions are left out, or null.</summary>
    public int? IgnoreClass { get; } = ignoreClass;
    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">The targets are not one label per prediction row, the axis is not one of the predictions' non-batch axes, or a label is outside [0, classes).</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (Axis != -1 && yPred.Rank > 0) yPred = AxisLast(yPred, Axis, yPred.Shape);
        if (yPred.Rank < 2 || yTrue.Size * yPred.Shape[-1] != yPred.Size)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy needs one integer label per prediction row; got targets {yTrue.Shape} for predictions {yPred.Shape}.");
        if (IgnoreClass is { } ignored)
        {
            // The ignored positions weigh 0: they add nothing to the sum or to the count.
            var weights = Tensor.Temp(new Shape(yTrue.Size));
            var w = weights.Span;
            int batch = yTrue.Shape[0], perSample = batch == 0 ? 1 : Math.Max(1, yTrue.Size / batch);
            bool perPosition = sampleWeight is not null && sampleWeight.Size == yTrue.Size;
            var given = perPosition ? SampleWeights(sampleWeight, yTrue.Size) : SampleWeights(sampleWeight, batch);
            var labels = yTrue.ToFloat().Span;
            for (int i = 0; i < w.Length; i++)
                w[i] = labels[i] == ignored ? 0f : WeightAt(given, perPosition ? i : i / perSample);
            sampleWeight = weights;
        }
        base.Update(yTrue, yPred, sampleWeight);
    }

    /// <summary>−log p[label] of the sample (0 for an ignored label).</summary>
    protected override double Score(Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        int label = Label(yTrue, row);
        if (label == IgnoreClass) return 0;
        if ((uint)label >= (uint)p.Length)
            throw new ShapeMismatchException($"SparseCategoricalCrossentropy: label {label} is outside [0, {p.Length}) for predictions of {p.Length} classes.");
        return -CategoricalCrossentropy.LogProbability(p, label, FromLogits);
    }
}
