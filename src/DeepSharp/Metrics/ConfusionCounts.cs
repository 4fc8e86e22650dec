using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A weighted count of one cell of the binary confusion matrix at one or more thresholds (Keras's TruePositives,
/// TrueNegatives, FalsePositives, FalseNegatives): every element is read, a prediction positive when above the
/// threshold and a target when above 0.5, each adding its sample's weight (1 without weights).
/// <see cref="Result"/> is the count at the first threshold; <see cref="Results"/> gives one per threshold.
/// </summary>
public abstract class ConfusionCount : Metric
{
    private readonly float[] _thresholds;
    private readonly double[] _counts;

    /// <param name="thresholds">The cuts above which a prediction counts as positive; null for Keras's 0.5.</param>
    /// <exception cref="ArgumentException">The list is empty or holds a value that is not a finite number.</exception>
    private protected ConfusionCount(IReadOnlyList<float>? thresholds)
    {
        _thresholds = thresholds is null ? [0.5f] : [.. thresholds];
        if (_thresholds.Length == 0) throw new ArgumentException($"{GetType().Name}: thresholds must hold at least one value.", nameof(thresholds));
        foreach (float t in _thresholds)
            if (!float.IsFinite(t)) throw new ArgumentException($"{GetType().Name}: threshold {t} is not a finite number.", nameof(thresholds));
        _counts = new double[_thresholds.Length];
    }

    /// <summary>The cuts above which a prediction counts as positive.</summary>
    public IReadOnlyList<float> Thresholds => _thresholds;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        var elements = Elements(yTrue, yPred, sampleWeight);
        for (int i = 0; i < elements.Length; i++)
        {
            bool actual = elements.IsPositive(i);
            float w = elements.Weight(i), prediction = elements.Predictions[i];
            for (int k = 0; k < _thresholds.Length; k++)
                if (Counts(prediction > _thresholds[k], actual)) _counts[k] += w;
        }
    }

    /// <summary>Whether an element predicted and actually as given falls in this metric's cell.</summary>
    private protected abstract bool Counts(bool predicted, bool actual);

    /// <summary>The weighted count at the first threshold; 0 before any update.</summary>
    public override double Result() => _counts[0];

    /// <summary>The weighted count at each threshold, in the order given.</summary>
    public double[] Results() => (double[])_counts.Clone();

    /// <inheritdoc/>
    public override void Reset() => Array.Clear(_counts);

    /// <summary>The counts, one per threshold (additive across ranks).</summary>
    public override double[]? GetState() => (double[])_counts.Clone();

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != _counts.Length) return false;
        foreach (double v in state) if (!IsTotal(v)) return false;
        state.CopyTo(_counts);
        return true;
    }
}

/// <summary>Weighted count of elements predicted positive that are positive (Keras's TruePositives).</summary>
public sealed class TruePositives : ConfusionCount
{
    /// <param name="threshold">Predictions above it count as positive.</param>
    public TruePositives(float threshold = 0.5f) : base([threshold]) { }
    /// <param name="thresholds">Several cuts, one count each (<see cref="ConfusionCount.Results"/>).</param>
    public TruePositives(IReadOnlyList<float> thresholds) : base(thresholds) { }
    /// <inheritdoc/>
    public override string Name => "true_positives";
    private protected override bool Counts(bool predicted, bool actual) => predicted && actual;
}

/// <summary>Weighted count of elements predicted negative that are negative (Keras's TrueNegatives).</summary>
public sealed class TrueNegatives : ConfusionCount
{
    /// <param name="threshold">Predictions above it count as positive.</param>
    public TrueNegatives(float threshold = 0.5f) : base([threshold]) { }
    /// <param name="thresholds">Several cuts, one count each (<see cref="ConfusionCount.Results"/>).</param>
    public TrueNegatives(IReadOnlyList<float> thresholds) : base(thresholds) { }
    /// <inheritdoc/>
    public override string Name => "true_negatives";
    private protected override bool Counts(bool predicted, bool actual) => !predicted && !actual;
}

/// <summary>Weighted count of elements predicted positive that are negative (Keras's FalsePositives).</summary>
public sealed class FalsePositives : ConfusionCount
{
    /// <param name="threshold">Predictions above it count as positive.</param>
    public FalsePositives(float threshold = 0.5f) : base([threshold]) { }
    /// <param name="thresholds">Several cuts, one count each (<see cref="ConfusionCount.Results"/>).</param>
    public FalsePositives(IReadOnlyList<float> thresholds) : base(thresholds) { }
    /// <inheritdoc/>
    public override string Name => "false_positives";
    private protected override bool Counts(bool predicted, bool actual) => predicted && !actual;
}

/// <summary>Weighted count of elements predicted negative that are positive (Keras's FalseNegatives).</summary>
public sealed class FalseNegatives : ConfusionCount
{
    /// <param name="threshold">Predictions above it count as positive.</param>
    public FalseNegatives(float threshold = 0.5f) : base([threshold]) { }
    /// <param name="thresholds">Several cuts, one count each (<see cref="ConfusionCount.Results"/>).</param>
    public FalseNegatives(IReadOnlyList<float> thresholds) : base(thresholds) { }
    /// <inheritdoc/>
    public override string Name => "false_negatives";
    private protected override bool Counts(bool predicted, bool actual) => !predicted && actual;
}
