using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Counts true/false positives and negatives over every element, a prediction counting as positive
/// when it exceeds the threshold (Keras's default 0.5) and a target when it is 1.
/// </summary>
public abstract class ThresholdCounts(float threshold) : Metric
{
    protected long TruePositives, FalsePositives, FalseNegatives, TrueNegatives;

    public float Threshold { get; } = threshold;

    public override void Update(Tensor yTrue, Tensor yPred)
    {
        if (yTrue.Size != yPred.Size)
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} need as many elements.");
        var t = yTrue.Span;
        var p = yPred.Span;
        for (int i = 0; i < p.Length; i++)
        {
            bool predicted = p[i] > Threshold, actual = t[i] == 1f;
            if (predicted && actual) TruePositives++;
            else if (predicted) FalsePositives++;
            else if (actual) FalseNegatives++;
            else TrueNegatives++;
        }
    }

    public override void Reset() => TruePositives = FalsePositives = FalseNegatives = TrueNegatives = 0;

    internal static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;
}

/// <summary>tp / (tp + fp).</summary>
public sealed class Precision(float threshold = 0.5f) : ThresholdCounts(threshold)
{
    public override string Name => "precision";
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalsePositives);
}

/// <summary>tp / (tp + fn).</summary>
public sealed class Recall(float threshold = 0.5f) : ThresholdCounts(threshold)
{
    public override string Name => "recall";
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalseNegatives);
}
