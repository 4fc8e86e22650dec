namespace DeepSharp.Metrics.LossMetrics;

/// <summary>
/// Mean over samples of 100 · mean over the last axis of |y_true − y_pred| / max(|y_true|, 1e−7) (Keras's
/// MeanAbsolutePercentageError, "mape"): a target of 0 makes the score huge, as in Keras.
/// </summary>
public sealed class MeanAbsolutePercentageError : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_percentage_error";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>100 · the mean of |y_true − y_pred| / max(|y_true|, ε) over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Abs((double)t[i] - p[i]) / Math.Max(Math.Abs((double)t[i]), Epsilon.Value);
        return 100 * s / p.Length;
    }
}

/// <summary>
/// Mean over samples of the mean over the last axis of (log(max(y_pred, ε) + 1) − log(max(y_true, ε) + 1))², ε = 1e−7
/// (Keras's MeanSquaredLogarithmicError, "msle").
/// </summary>
public sealed class MeanSquaredLogarithmicError : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_logarithmic_error";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The mean of the squared difference of log(1 + ·) over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double d = Math.Log(Math.Max(p[i], Epsilon.Value) + 1) - Math.Log(Math.Max(t[i], Epsilon.Value) + 1);
            s += d * d;
        }
        return s / p.Length;
    }
}

/// <summary>
/// Mean over samples of the cosine similarity of targets and predictions along the last axis,
/// Σ t·p / (max(‖t‖, ε) · max(‖p‖, ε)) (Keras's CosineSimilarity metric: 1 for the same direction, −1 for the
/// opposite, 0 where either vector is 0). Unlike the loss of the same name it is not negated.
/// </summary>
/// <param name="axis">The axis the vectors run along (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
public sealed class CosineSimilarity(int axis = -1) : RowMetric
{
    /// <inheritdoc/>
    public override int Axis { get; } = axis != 0 ? axis : throw new ArgumentOutOfRangeException(nameof(axis), axis, "CosineSimilarity: axis 0 is the batch axis.");
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The cosine of the angle between the sample's targets and predictions.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double dot = 0, tt = 0, pp = 0;
        for (int i = 0; i < p.Length; i++) { dot += (double)t[i] * p[i]; tt += (double)t[i] * t[i]; pp += (double)p[i] * p[i]; }
        return dot / (Math.Max(Math.Sqrt(tt), Epsilon.Value) * Math.Max(Math.Sqrt(pp), Epsilon.Value));
    }
}

/// <summary>
/// Mean over samples of the mean over the last axis of y_pred − y_true · log(y_pred + ε) (Keras's Poisson metric, for
/// count targets and positive rate predictions).
/// </summary>
public sealed class Poisson : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "poisson";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The mean of y_pred − y_true · log(y_pred + ε) over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += p[i] - t[i] * Math.Log(p[i] + Epsilon.Value);
        return s / p.Length;
    }
}

/// <summary>
/// Mean over samples of Σ t·log(t / p) over the last axis, with targets and predictions clipped to [ε, 1]
/// (Keras's KLDivergence metric: the Kullback–Leibler divergence of the predicted distribution from the target's).
/// </summary>
public sealed class KLDivergence : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>Σ t·log(t / p) over the sample's last axis, both clipped to [ε, 1].</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double ti = Math.Clamp(t[i], Epsilon.Value, 1), pi = Math.Clamp(p[i], Epsilon.Value, 1);
            s += ti * Math.Log(ti / pi);
        }
        return s;
    }
}

/// <summary>Keras's fuzz factor <c>backend.epsilon()</c>, 1e−7, as the metrics of this namespace use it.</summary>
internal static class Epsilon
{
    public const double Value = 1e-7;
}
