using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Counts true/false positives and negatives over every element, a prediction counting as positive
/// when it exceeds the threshold (Keras's default 0.5) and a target when it is above 0.5. With sample
/// weights each element adds its sample's weight instead of 1 (Keras's weighted confusion counts).
/// </summary>
public abstract class ThresholdCounts(float threshold) : Metric
{
    protected double TruePositives, FalsePositives, FalseNegatives, TrueNegatives;

    public float Threshold { get; } = threshold;

    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        var elements = Elements(yTrue, yPred, sampleWeight);
        for (int i = 0; i < elements.Length; i++)
        {
            float w = elements.Weight(i);
            bool predicted = elements.Predictions[i] > Threshold, actual = elements.IsPositive(i);
            if (predicted && actual) TruePositives += w;
            else if (predicted) FalsePositives += w;
            else if (actual) FalseNegatives += w;
            else TrueNegatives += w;
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
