using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Area under the ROC curve, as Keras's AUC defaults: 200 thresholds (0 − 1e−7, i/199 for
/// i = 1..198, 1 + 1e−7), a prediction positive when above a threshold, the area by the trapezoid
/// rule over (false-positive rate, recall). Targets are labels per element, positive above 0.5. With sample weights each
/// element adds its sample's weight to the counts instead of 1.
/// </summary>
public sealed class Auc : Metric
{
    private readonly float[] _thresholds;
    private readonly double[] _tp, _fp, _fn, _tn;

    /// <param name="numThresholds">How many thresholds approximate the curve (at least 2); more gives a finer area, costs more per update.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThresholds"/> is below 2.</exception>
    public Auc(int numThresholds = 200)
    {
        if (numThresholds < 2) throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, "numThresholds must be at least 2.");
        _thresholds = new float[numThresholds];
        _thresholds[0] = -1e-7f;
        for (int i = 1; i < numThresholds - 1; i++) _thresholds[i] = (float)i / (numThresholds - 1);
        _thresholds[^1] = 1f + 1e-7f;
        (_tp, _fp, _fn, _tn) = (new double[numThresholds], new double[numThresholds], new double[numThresholds], new double[numThresholds]);
    }

    /// <inheritdoc/>
    public override string Name => "auc";
    /// <summary>The decision thresholds, ascending, from just below 0 to just above 1; predictions are expected as probabilities.</summary>
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
            {
                bool predicted = prediction > _thresholds[k];
                if (predicted) { if (actual) _tp[k] += w; else _fp[k] += w; }
                else { if (actual) _fn[k] += w; else _tn[k] += w; }
            }
        }
    }

    /// <summary>The area under the ROC curve, in [0, 1] (0.5 for a guess); 0 before any update.</summary>
    public override double Result()
    {
        double area = 0;
        for (int k = 0; k < _thresholds.Length - 1; k++)
        {
            double x0 = Rate(_fp[k], _tn[k]), x1 = Rate(_fp[k + 1], _tn[k + 1]);
            double y0 = Rate(_tp[k], _fn[k]), y1 = Rate(_tp[k + 1], _fn[k + 1]);
            area += (x0 - x1) * (y0 + y1) / 2;
        }
        return area;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        Array.Clear(_tp); Array.Clear(_fp); Array.Clear(_fn); Array.Clear(_tn);
    }

    private static double Rate(double hits, double misses) => ThresholdCounts.DivideNoNan(hits, hits + misses);
}
