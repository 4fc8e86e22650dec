using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>How <see cref="R2Score"/> combines the scores of its outputs (Keras's <c>class_aggregation</c>).</summary>
public enum R2ClassAggregation
{
    /// <summary>Keep one score per output (read them with <see cref="R2Score.ClassResults"/>); the single result is their unweighted mean.</summary>
    None,
    /// <summary>The unweighted mean of the outputs' scores (Keras's default, "uniform_average").</summary>
    UniformAverage,
    /// <summary>The outputs' scores weighted by each output's total sum of squares ("variance_weighted_average").</summary>
    VarianceWeightedAverage,
}

/// <summary>
/// The coefficient of determination R² = 1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)² per output column (the last axis of
/// (batch, outputs) targets; (batch,) counts as one output), over everything seen since the last reset, as Keras's
/// R2Score: 1 is a perfect fit, 0 predicting the mean, below 0 worse. An output whose targets never vary scores 0
/// when its predictions miss (NaN when they are exact, as Keras's 0/0). With <c>numRegressors</c> p > 0 it is the
/// adjusted R² 1 − (1 − R²)·(n − 1)/(n − p − 1), n the samples of nonzero weight (plain R² when n − 1 ≤ p).
/// </summary>
public sealed class R2Score : Metric
{
    private double[] _sum = [], _squaredSum = [], _residual = [], _count = [];
    private double _samples;

    /// <param name="classAggregation">How the outputs' scores become the one <see cref="Result"/>.</param>
    /// <param name="numRegressors">The number of independent variables p of the adjusted R²; 0 for the plain R².</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numRegressors"/> is negative or <paramref name="classAggregation"/> unknown.</exception>
    public R2Score(R2ClassAggregation classAggregation = R2ClassAggregation.UniformAverage, int numRegressors = 0)
    {
        if (!Enum.IsDefined(classAggregation)) throw new ArgumentOutOfRangeException(nameof(classAggregation), classAggregation, "Unknown class aggregation.");
        ClassAggregation = classAggregation;
        NumRegressors = numRegressors >= 0 ? numRegressors : throw new ArgumentOutOfRangeException(nameof(numRegressors), numRegressors, "numRegressors must be 0 or more.");
    }

    /// <summary>How the outputs' scores are combined.</summary>
    public R2ClassAggregation ClassAggregation { get; }
    /// <summary>The regressor count of the adjusted R² (0: plain R²).</summary>
    public int NumRegressors { get; }
    /// <inheritdoc/>
    public override string Name => "r2_score";

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">Targets and predictions differ in shape, are not (batch,) or (batch, outputs), change their output count between updates, or the weights are not one per sample.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yPred.Rank is 0 or > 2 || yTrue.Size != yPred.Size || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"R2Score needs targets and predictions of one shape, (batch,) or (batch, outputs); got {yTrue.Shape} and {yPred.Shape}.");
        int batch = yPred.Shape[0], outputs = yPred.Rank == 1 ? 1 : yPred.Shape[1];
        if (_sum.Length == 0)
            (_sum, _squaredSum, _residual, _count) = (new double[outputs], new double[outputs], new double[outputs], new double[outputs]);
        else if (_sum.Length != outputs)
            throw new ShapeMismatchException($"R2Score: this batch has {outputs} outputs ({yPred.Shape}), earlier ones {_sum.Length}; reset between tasks of different widths.");
        var weights = SampleWeights(sampleWeight, batch);
        var t = yTrue.ToFloat().Span;
        var p = yPred.Span;
        for (int i = 0; i < batch; i++)
        {
            double w = WeightAt(weights, i);
            if (w != 0) _samples++;
            for (int o = 0; o < outputs; o++)
            {
                double y = t[i * outputs + o], d = y - p[i * outputs + o];
                _sum[o] += w * y;
                _squaredSum[o] += w * y * y;
                _residual[o] += w * d * d;
                _count[o] += w;
            }
        }
    }

    /// <summary>One score per output (adjusted when <see cref="NumRegressors"/> is set); empty before any update.</summary>
    public double[] ClassResults()
    {
        var scores = new double[_sum.Length];
        for (int o = 0; o < scores.Length; o++) scores[o] = Adjusted(Raw(o));
        return scores;
    }

    /// <summary>R² combined as <see cref="ClassAggregation"/> says (the mean of <see cref="ClassResults"/> for None); 0 before any update.</summary>
    public override double Result()
    {
        if (_sum.Length == 0) return 0;
        if (ClassAggregation == R2ClassAggregation.None) return ClassResults().Average();
        if (ClassAggregation == R2ClassAggregation.UniformAverage)
        {
            double mean = 0;
            for (int o = 0; o < _sum.Length; o++) mean += Raw(o);
            return Adjusted(mean / _sum.Length);
        }
        double weighted = 0, totals = 0;
        for (int o = 0; o < _sum.Length; o++) { weighted += Total(o) * Raw(o); totals += Total(o); }
        return Adjusted(weighted / totals);
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        (_sum, _squaredSum, _residual, _count) = ([], [], [], []);
        _samples = 0;
    }

    /// <summary>Σ w·(y − ȳ)² of output <paramref name="o"/>, from the running sums.</summary>
    private double Total(int o) => _squaredSum[o] - _sum[o] * (_sum[o] / _count[o]);

    /// <summary>1 − residual/total; an infinite ratio (targets that never vary, predictions that miss) scores 0, as Keras.</summary>
    private double Raw(int o)
    {
        double score = 1 - _residual[o] / Total(o);
        return double.IsInfinity(score) ? 0 : score;
    }

    private double Adjusted(double r2)
    {
        double n = _samples, p = NumRegressors;
        if (p == 0 || p >= n - 1) return r2;   // Keras falls back to the plain R² (with a warning) when n − 1 ≤ p
        return 1 - (1 - r2) * (n - 1) / (n - p - 1);
    }
}
