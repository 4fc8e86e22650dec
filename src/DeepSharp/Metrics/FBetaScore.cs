using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>How <see cref="FBetaScore"/> and <see cref="F1Score"/> combine their per-class scores (Keras's <c>average</c>).</summary>
public enum F1Average
{
    /// <summary>Keep one score per class (read them with <see cref="FBetaScore.ClassResults"/>); the single result is their unweighted mean.</summary>
    None,
    /// <summary>Pool true/false positives and false negatives of every class, then compute one F1 (frequent classes weigh more).</summary>
    Micro,
    /// <summary>The unweighted mean of the per-class scores (every class weighs the same).</summary>
    Macro,
    /// <summary>The mean of the per-class scores weighted by support, each class's number of true samples.</summary>
    Weighted,
}

/// <summary>
/// F_β = (1 + β²)·P·R/(β²·P + R) per class over one-hot or multi-hot (batch, classes) targets, as Keras's FBetaScore
/// (β > 1 weighs recall more, β &lt; 1 precision; <see cref="F1Score"/> is β = 1). Without a threshold each row's
/// largest prediction is the predicted class, except for a single output column (one sigmoid unit), where a
/// prediction above 0.5 is positive: an argmax over one column would predict every sample positive. With a
/// threshold, every prediction above it counts as positive. A target is positive above 0.5, the rule of every
/// metric. Keras's default <c>average=None</c> yields one score per class: <see cref="ClassResults"/> returns them,
/// and <see cref="Result"/> (the one number a log holds) is their unweighted mean. Micro pools the counts first;
/// Weighted weights by support. Sequence outputs (batch, positions..., classes) count every position as a row.
/// Sample weights multiply each sample's contribution to the counts.
/// </summary>
public class FBetaScore : Metric
{
    private double[] _tp = [], _fp = [], _fn = [];

    /// <param name="average">How per-class scores become the one <see cref="Result"/>.</param>
    /// <param name="beta">The weight of recall against precision (positive; 1 gives F1).</param>
    /// <param name="threshold">Predictions above it count as positive (several classes per row allowed); null: the argmax of each row, or 0.5 for a single output column.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is not a positive number, or <paramref name="average"/> is unknown.</exception>
    public FBetaScore(F1Average average = F1Average.None, float beta = 1f, float? threshold = null)
    {
        if (!Enum.IsDefined(average)) throw new ArgumentOutOfRangeException(nameof(average), average, "Unknown average.");
        if (!(beta > 0 && float.IsFinite(beta))) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be a positive number.");
        (Average, Beta, Threshold) = (average, beta, threshold);
    }

    /// <summary>How the per-class scores are combined into <see cref="Result"/>.</summary>
    public F1Average Average { get; }
    /// <summary>The weight of recall against precision.</summary>
    public float Beta { get; }
    /// <summary>The cut above which a class counts as predicted, as given; null when each row predicts only its argmax (or, for a single output column, when 0.5 is the cut).</summary>
    public float? Threshold { get; }
    /// <inheritdoc/>
    public override string Name => "fbeta_score";

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">The predictions are not (batch, ..., classes) or the targets not of their size, or the weights are not one per sample.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yPred.Rank < 2 || yTrue.Size != yPred.Size || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{GetType().Name} needs one-hot targets and predictions (batch, ..., classes) of one shape; got {yTrue.Shape} and {yPred.Shape}.");
        int batch = yPred.Shape[0], classes = yPred.Shape[-1], n = yPred.Size / Math.Max(1, classes);
        int rowsPerSample = batch == 0 ? 1 : n / batch;
        var weights = SampleWeights(sampleWeight, batch);
        // One column: the argmax would always be that column, so 0.5 decides, as for BinaryAccuracy.
        float? threshold = Threshold ?? (classes == 1 ? 0.5f : null);
        if (_tp.Length != classes) (_tp, _fp, _fn) = (new double[classes], new double[classes], new double[classes]);
        var t = yTrue.ToFloat().Span;   // int32 targets as floats, as Keras casts y_true
        var p = yPred.Span;
        for (int r = 0; r < n; r++)
        {
            var row = p.Slice(r * classes, classes);
            int best = Accuracy.ArgMax(row);
            double w = WeightAt(weights, r / rowsPerSample);
            for (int c = 0; c < classes; c++)
            {
                bool predicted = threshold is { } th ? row[c] > th : c == best;
                bool positive = BinaryElements.IsPositive(t[r * classes + c]);
                if (predicted && positive) _tp[c] += w;
                else if (predicted) _fp[c] += w;
                else if (positive) _fn[c] += w;
            }
        }
    }

    /// <summary>One score per class.</summary>
    public double[] ClassResults()
    {
        var scores = new double[_tp.Length];
        for (int c = 0; c < scores.Length; c++) scores[c] = Score(_tp[c], _fp[c], _fn[c]);
        return scores;
    }

    /// <summary>The score in [0, 1] combined as <see cref="Average"/> says; 0 before any update.</summary>
    public override double Result()
    {
        if (_tp.Length == 0) return 0;
        if (Average == F1Average.Micro) return Score(_tp.Sum(), _fp.Sum(), _fn.Sum());
        var scores = ClassResults();
        if (Average != F1Average.Weighted) return scores.Average();
        double support = 0, sum = 0;
        for (int c = 0; c < scores.Length; c++) { double s = _tp[c] + _fn[c]; support += s; sum += s * scores[c]; }
        return ThresholdCounts.DivideNoNan(sum, support);
    }

    /// <inheritdoc/>
    public override void Reset() => (_tp, _fp, _fn) = ([], [], []);

    private double Score(double tp, double fp, double fn)
    {
        double precision = ThresholdCounts.DivideNoNan(tp, tp + fp), recall = ThresholdCounts.DivideNoNan(tp, tp + fn);
        double b2 = (double)Beta * Beta;
        return (1 + b2) * ThresholdCounts.DivideNoNan(precision * recall, b2 * precision + recall);
    }
}

/// <summary>
/// F1 = 2·P·R/(P + R) per class over one-hot or multi-hot (batch, classes) targets, as Keras's F1Score: the
/// <see cref="FBetaScore"/> of β = 1. Without a threshold each row's largest prediction is the predicted class,
/// except for a single output column (one sigmoid unit), where a prediction above 0.5 is positive: an argmax over one
/// column would predict every sample positive (Keras's F1Score does so; set <c>threshold</c> to choose another cut).
/// Keras's default <c>average=None</c> yields one score per class: <see cref="FBetaScore.ClassResults"/> returns
/// them, and <see cref="FBetaScore.Result"/> (the one number a log holds) is their unweighted mean.
/// </summary>
/// <param name="average">How per-class scores become the one <see cref="FBetaScore.Result"/>.</param>
/// <param name="threshold">Predictions above it count as positive (several classes per row allowed); null: the argmax of each row, or 0.5 for a single output column.</param>
public sealed class F1Score(F1Average average = F1Average.None, float? threshold = null) : FBetaScore(average, 1f, threshold)
{
    /// <inheritdoc/>
    public override string Name => "f1_score";
}
