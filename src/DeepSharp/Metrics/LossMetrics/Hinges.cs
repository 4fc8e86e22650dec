using DeepSharp.Tensors;

namespace DeepSharp.Metrics.LossMetrics;

/// <summary>
/// Mean over samples of the mean over the last axis of max(1 − t·p, 0) (Keras's Hinge metric). Targets are −1/1;
/// a batch whose targets are all 0 or 1 is read as labels and mapped to −1/1 first, as Keras does.
/// </summary>
public class Hinge : RowMetric
{
    private bool _binary;

    /// <inheritdoc/>
    public override string Name => "hinge";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        _binary = true;
        foreach (float t in yTrue.ToFloat().Span) if (t is not (0f or 1f)) { _binary = false; break; }
        base.Update(yTrue, yPred, sampleWeight);
    }

    /// <summary>The mean hinge over the sample's last axis.</summary>
    protected override double Score(Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Margin(Signed(t[i]) * p[i]);
        return s / p.Length;
    }

    /// <summary>A target as −1/1 when the batch holds 0/1 labels, else as given.</summary>
    private protected double Signed(float t) => _binary ? 2.0 * t - 1 : t;

    /// <summary>This metric's penalty for t·p: max(1 − t·p, 0).</summary>
    private protected virtual double Margin(double product) => Math.Max(1 - product, 0);
}

/// <summary>
/// Mean over samples of the mean over the last axis of max(1 − t·p, 0)² (Keras's SquaredHinge metric), with 0/1
/// targets mapped to −1/1 as for <see cref="Hinge"/>.
/// </summary>
public sealed class SquaredHinge : Hinge
{
    /// <inheritdoc/>
    public override string Name => "squared_hinge";

    /// <summary>max(1 − t·p, 0)².</summary>
    private protected override double Margin(double product)
    {
        double m = Math.Max(1 - product, 0);
        return m * m;
    }
}

/// <summary>
/// Mean over samples of max(max((1 − t)·p) − Σ t·p + 1, 0), one-hot targets against class scores (Keras's
/// CategoricalHinge metric): the best wrong class's score must stay a margin of 1 below the true class's.
/// </summary>
public sealed class CategoricalHinge : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "categorical_hinge";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>max(neg − pos + 1, 0) with pos = Σ t·p and neg = max over classes of (1 − t)·p.</summary>
    protected override double Score(Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double pos = 0, neg = double.NegativeInfinity;
        for (int c = 0; c < p.Length; c++)
        {
            pos += (double)t[c] * p[c];
            neg = Math.Max(neg, (1.0 - t[c]) * p[c]);
        }
        return Math.Max(neg - pos + 1, 0);
    }
}
