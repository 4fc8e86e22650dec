using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A correlation of targets and predictions along one axis (Keras's correlation metrics, MeanMetricWrappers): one
/// coefficient per series along <see cref="Axis"/>, averaged over every series seen since the last reset, each series
/// counting with its sample's weight. With the default axis −1 a (batch, n) batch gives one series per sample; (batch,)
/// predictions are one series, the whole batch, weighing the sum of its weights (1 without weights), as Keras reduces
/// a scalar per batch. An axis other than the last gives one series per remaining position; sample weights then need
/// the batch axis to remain (not axis 0).
/// </summary>
public abstract class CorrelationMetric : Metric
{
    private double _sum;
    private double _count;

    /// <param name="axis">The axis the series run along (negative counts from the end; Keras's default −1).</param>
    private protected CorrelationMetric(int axis) => Axis = axis;

    /// <summary>The axis each series runs along (negative counts from the end).</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">Targets and predictions hold different numbers of values or batch sizes, the axis is outside them, or weights are given with axis 0 or are not one per sample.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        string user = GetType().Name;
        if (yPred.Rank == 0 || yTrue.Rank == 0 || yTrue.Size != yPred.Size || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{user}: targets {yTrue.Shape} and predictions {yPred.Shape} need one target per prediction and one batch size.");
        int rank = yPred.Rank, axis = Axis < 0 ? Axis + rank : Axis;
        if (axis < 0 || axis >= rank)
            throw new ShapeMismatchException($"{user}: axis {Axis} is outside predictions {yPred.Shape}.");
        int batch = yPred.Shape[0], n = yPred.Shape[axis];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= yPred.Shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= yPred.Shape[d];
        int series = outer * inner;
        var weights = SampleWeights(sampleWeight, batch);
        if (axis == 0 && sampleWeight is not null && rank > 1)
            throw new ShapeMismatchException($"{user}: with axis {Axis} the batch axis of predictions {yPred.Shape} is what each series runs along, so sample weights {sampleWeight.Shape} have no series to weigh.");
        var t = yTrue.ToFloat().Span;
        var p = yPred.Span;
        var tRow = new double[n];
        var pRow = new double[n];
        int seriesPerSample = axis == 0 || batch == 0 ? 1 : series / batch;
        for (int s = 0; s < series; s++)
        {
            int o = s / inner, i = s % inner;
            for (int k = 0; k < n; k++)
            {
                int at = (o * n + k) * inner + i;
                (tRow[k], pRow[k]) = (t[at], p[at]);
            }
            double w = axis != 0 ? WeightAt(weights, s / seriesPerSample) : TotalWeight(weights, batch);
            _sum += w * Coefficient(tRow, pRow);
            _count += w;
        }
    }

    /// <summary>The weighted mean coefficient; 0 while the weights sum to 0.</summary>
    public override double Result() => _count == 0 ? 0 : _sum / _count;

    /// <inheritdoc/>
    public override void Reset() => (_sum, _count) = (0, 0);

    /// <summary>The weighted sum of coefficients and the sum of weights.</summary>
    public override double[]? GetState() => [_sum, _count];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2 || !IsTotal(state[0]) || !IsTotal(state[1])) return false;
        (_sum, _count) = (state[0], state[1]);
        return true;
    }

    /// <summary>The coefficient of one series of targets and predictions (of one length).</summary>
    private protected abstract double Coefficient(double[] t, double[] p);

    /// <summary>Keras's fuzz factor <c>backend.epsilon()</c>.</summary>
    private protected const double Epsilon = 1e-7;

    /// <summary>The mean and the population variance of a series (0 and 0 when it is empty).</summary>
    private protected static (double Mean, double Variance) Moments(double[] x)
    {
        if (x.Length == 0) return (0, 0);
        double mean = 0, variance = 0;
        foreach (double v in x) mean += v;
        mean /= x.Length;
        foreach (double v in x) variance += (v - mean) * (v - mean);
        return (mean, variance / x.Length);
    }

    /// <summary>The population covariance of two series of one length around their means.</summary>
    private protected static double Covariance(double[] t, double[] p, double tMean, double pMean)
    {
        double c = 0;
        for (int k = 0; k < t.Length; k++) c += (t[k] - tMean) * (p[k] - pMean);
        return t.Length == 0 ? 0 : c / t.Length;
    }

    private static double TotalWeight(ReadOnlySpan<float> weights, int batch)
    {
        if (weights.IsEmpty) return 1;
        double sum = 0;
        for (int i = 0; i < batch; i++) sum += weights[i];
        return sum;
    }
}

/// <summary>
/// The Pearson correlation coefficient of targets and predictions along <see cref="CorrelationMetric.Axis"/>, averaged
/// over series (Keras's PearsonCorrelation, "pearson_correlation"): mean((t − t̄)/(σₜ + ε) · (p − p̄)/(σₚ + ε)) with
/// population standard deviations and ε = 1e−7, so a series whose targets or predictions never vary scores 0
/// (as Keras 3's current code). 1 is a perfect positive linear relation, −1 a perfect negative one.
/// </summary>
/// <param name="axis">The axis the series run along (negative counts from the end; Keras's default −1).</param>
public sealed class PearsonCorrelation(int axis = -1) : CorrelationMetric(axis)
{
    /// <inheritdoc/>
    public override string Name => "pearson_correlation";

    private protected override double Coefficient(double[] t, double[] p)
    {
        var (tMean, tVariance) = Moments(t);
        var (pMean, pVariance) = Moments(p);
        return Covariance(t, p, tMean, pMean) / ((Math.Sqrt(tVariance) + Epsilon) * (Math.Sqrt(pVariance) + Epsilon));
    }
}

/// <summary>
/// Lin's concordance correlation coefficient of targets and predictions along <see cref="CorrelationMetric.Axis"/>,
/// averaged over series (Keras's ConcordanceCorrelation, "concordance_correlation"):
/// 2·cov(t, p) / (var(t) + var(p) + (t̄ − p̄)² + ε) with population (co)variances and ε = 1e−7. 1 only when the
/// predictions equal the targets; unlike Pearson's coefficient it falls when predictions are shifted or scaled.
/// </summary>
/// <param name="axis">The axis the series run along (negative counts from the end; Keras's default −1).</param>
public sealed class ConcordanceCorrelation(int axis = -1) : CorrelationMetric(axis)
{
    /// <inheritdoc/>
    public override string Name => "concordance_correlation";

    private protected override double Coefficient(double[] t, double[] p)
    {
        var (tMean, tVariance) = Moments(t);
        var (pMean, pVariance) = Moments(p);
        double shift = tMean - pMean;
        return 2 * Covariance(t, p, tMean, pMean) / (tVariance + pVariance + shift * shift + Epsilon);
    }
}
