using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// The best value of one rate while another stays at or above a bound, over evenly spaced thresholds (Keras's
/// SensitivitySpecificityBase): the thresholds are 0, 1/(n − 1), …, (n − 2)/(n − 1), 1 (0.5 alone for n = 1), a
/// prediction positive when above one, a target when above 0.5; each element adds its sample's weight to the counts
/// at every threshold. With a class id only that column of (batch, classes) targets and predictions is read. The result
/// is the largest dependent rate among the thresholds where the constrained rate is at least the bound, 0 where none is.
/// </summary>
public abstract class SensitivitySpecificityBase : Metric
{
    private readonly float[] _thresholds;
    private readonly double[] _tp, _fp, _tn, _fn;

    private protected SensitivitySpecificityBase(float value, string valueName, int numThresholds, int? classId)
    {
        if (!(value is >= 0f and <= 1f)) throw new ArgumentOutOfRangeException(valueName, value, $"{GetType().Name}: {valueName} must be in [0, 1].");
        if (numThresholds < 1) throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, $"{GetType().Name}: numThresholds must be at least 1.");
        if (classId < 0) throw new ArgumentOutOfRangeException(nameof(classId), classId, $"{GetType().Name}: classId must not be negative.");
        (Value, ClassId) = (value, classId);
        _thresholds = new float[numThresholds];
        if (numThresholds == 1) _thresholds[0] = 0.5f;
        else
            for (int i = 1; i < numThresholds; i++) _thresholds[i] = i == numThresholds - 1 ? 1f : (float)i / (numThresholds - 1);
        (_tp, _fp, _tn, _fn) = (new double[numThresholds], new double[numThresholds], new double[numThresholds], new double[numThresholds]);
    }

    /// <summary>The bound the constrained rate must reach.</summary>
    private protected float Value { get; }
    /// <summary>The column of (batch, classes) data read, or null to read every element.</summary>
    public int? ClassId { get; }
    /// <summary>The thresholds, ascending from 0 to 1.</summary>
    public IReadOnlyList<float> Thresholds => _thresholds;

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">Targets and predictions differ in size, the class id is outside their last axis, or the weights are not one per sample.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (ClassId is { } id)
        {
            if (yPred.Rank < 2 || yTrue.Size != yPred.Size || id >= yPred.Shape[-1])
                throw new ShapeMismatchException($"{GetType().Name}: classId {id} needs targets and predictions (batch, ..., classes) of one size with more than {id} classes; got {yTrue.Shape} and {yPred.Shape}.");
            (yTrue, yPred) = (Column(yTrue.ToFloat(), id), Column(yPred, id));
        }
        var elements = Elements(yTrue, yPred, sampleWeight);
        for (int i = 0; i < elements.Length; i++)
        {
            bool actual = elements.IsPositive(i);
            float w = elements.Weight(i), prediction = elements.Predictions[i];
            for (int k = 0; k < _thresholds.Length; k++)
            {
                bool predicted = prediction > _thresholds[k];
                if (predicted) { if (actual) _tp[k] += w; else _fp[k] += w; }
                else { if (actual) _fn[k] += w; else _tn[k] += w; }
            }
        }
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_tp); Array.Clear(_fp); Array.Clear(_tn); Array.Clear(_fn);
    }

    /// <summary>The four counts per threshold, one after another (additive across ranks).</summary>
    public override double[]? GetState() => [.. _tp, .. _fp, .. _tn, .. _fn];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        int n = _thresholds.Length;
        if (state.Length != 4 * n) return false;
        foreach (double v in state) if (!IsTotal(v)) return false;
        state[..n].CopyTo(_tp); state[n..(2 * n)].CopyTo(_fp); state[(2 * n)..(3 * n)].CopyTo(_tn); state[(3 * n)..].CopyTo(_fn);
        return true;
    }

    /// <summary>Recall (sensitivity) tp / (tp + fn) at threshold <paramref name="k"/>, 0 without positives.</summary>
    private protected double SensitivityAt(int k) => ThresholdCounts.DivideNoNan(_tp[k], _tp[k] + _fn[k]);
    /// <summary>Specificity tn / (tn + fp) at threshold <paramref name="k"/>, 0 without negatives.</summary>
    private protected double SpecificityAt(int k) => ThresholdCounts.DivideNoNan(_tn[k], _tn[k] + _fp[k]);
    /// <summary>Precision tp / (tp + fp) at threshold <paramref name="k"/>, 0 without positive predictions.</summary>
    private protected double PrecisionAt(int k) => ThresholdCounts.DivideNoNan(_tp[k], _tp[k] + _fp[k]);

    /// <summary>The largest <paramref name="dependent"/> rate over thresholds where <paramref name="constrained"/> is at least <see cref="Value"/>; 0 where none is.</summary>
    private protected double MaxWhere(Func<int, double> constrained, Func<int, double> dependent)
    {
        double best = 0;
        for (int k = 0; k < _thresholds.Length; k++)
            if (constrained(k) >= Value) best = Math.Max(best, dependent(k));
        return best;
    }

    private static Tensor Column(Tensor t, int column)
    {
        int classes = t.Shape[-1], rows = t.Size / classes;
        var result = Tensor.Temp(new Shape(t.Shape[0], rows / Math.Max(1, t.Shape[0])));
        var src = t.Span;
        var dst = result.Span;
        for (int r = 0; r < rows; r++) dst[r] = src[r * classes + column];
        return result;
    }
}

/// <summary>The best sensitivity (recall) among thresholds whose specificity is at least a bound (Keras's SensitivityAtSpecificity).</summary>
/// <param name="specificity">The bound on specificity, in [0, 1].</param>
/// <param name="numThresholds">How many evenly spaced thresholds are tried (at least 1).</param>
/// <param name="classId">The column of (batch, classes) data to read, or null for every element.</param>
public sealed class SensitivityAtSpecificity(float specificity, int numThresholds = 200, int? classId = null)
    : SensitivitySpecificityBase(specificity, nameof(specificity), numThresholds, classId)
{
    /// <summary>The bound on specificity.</summary>
    public float Specificity => Value;
    /// <inheritdoc/>
    public override string Name => "sensitivity_at_specificity";
    /// <summary>The best sensitivity where specificity ≥ the bound; 0 where none is.</summary>
    public override double Result() => MaxWhere(SpecificityAt, SensitivityAt);
}

/// <summary>The best specificity among thresholds whose sensitivity (recall) is at least a bound (Keras's SpecificityAtSensitivity).</summary>
/// <param name="sensitivity">The bound on sensitivity, in [0, 1].</param>
/// <param name="numThresholds">How many evenly spaced thresholds are tried (at least 1).</param>
/// <param name="classId">The column of (batch, classes) data to read, or null for every element.</param>
public sealed class SpecificityAtSensitivity(float sensitivity, int numThresholds = 200, int? classId = null)
    : SensitivitySpecificityBase(sensitivity, nameof(sensitivity), numThresholds, classId)
{
    /// <summary>The bound on sensitivity.</summary>
    public float Sensitivity => Value;
    /// <inheritdoc/>
    public override string Name => "specificity_at_sensitivity";
    /// <summary>The best specificity where sensitivity ≥ the bound; 0 where none is.</summary>
    public override double Result() => MaxWhere(SensitivityAt, SpecificityAt);
}

/// <summary>The best precision among thresholds whose recall is at least a bound (Keras's PrecisionAtRecall).</summary>
/// <param name="recall">The bound on recall, in [0, 1].</param>
/// <param name="numThresholds">How many evenly spaced thresholds are tried (at least 1).</param>
/// <param name="classId">The column of (batch, classes) data to read, or null for every element.</param>
public sealed class PrecisionAtRecall(float recall, int numThresholds = 200, int? classId = null)
    : SensitivitySpecificityBase(recall, nameof(recall), numThresholds, classId)
{
    /// <summary>The bound on recall.</summary>
    public float Recall => Value;
    /// <inheritdoc/>
    public override string Name => "precision_at_recall";
    /// <summary>The best precision where recall ≥ the bound; 0 where none is.</summary>
    public override double Result() => MaxWhere(SensitivityAt, PrecisionAt);
}

/// <summary>The best recall among thresholds whose precision is at least a bound (Keras's RecallAtPrecision).</summary>
/// <param name="precision">The bound on precision, in [0, 1].</param>
/// <param name="numThresholds">How many evenly spaced thresholds are tried (at least 1).</param>
/// <param name="classId">The column of (batch, classes) data to read, or null for every element.</param>
public sealed class RecallAtPrecision(float precision, int numThresholds = 200, int? classId = null)
    : SensitivitySpecificityBase(precision, nameof(precision), numThresholds, classId)
{
    /// <summary>The bound on precision.</summary>
    public float Precision => Value;
    /// <inheritdoc/>
    public override string Name => "recall_at_precision";
    /// <summary>The best recall where precision ≥ the bound; 0 where none is.</summary>
    public override double Result() => MaxWhere(PrecisionAt, SensitivityAt);
}
