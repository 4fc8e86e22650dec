using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Counts true/false positives and negatives over every element, a prediction counting as positive
/// when it exceeds the threshold (Keras's default 0.5) and a target when it is above 0.5. With sample
/// weights each element adds its sample's weight instead of 1 (Keras's weighted confusion counts).
/// </summary>
/// <param name="threshold">Predictions above it count as positive.</param>
public abstract class ThresholdCounts(float threshold) : Metric
{
    /// <summary>Weighted counts since the last <see cref="Reset"/>: predicted and actually positive (TP), predicted positive but negative (FP), missed positives (FN), and correct negatives (TN).</summary>
    protected double TruePositives, FalsePositives, FalseNegatives, TrueNegatives;

    /// <summary>The cut above which a prediction counts as positive (0.5 for probabilities; use 0 for logits).</summary>
    public float Threshold { get; } = threshold;

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public override void Reset() => TruePositives = FalsePositives = FalseNegatives = TrueNegatives = 0;

    internal static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;
}

/// <summary>Precision tp / (tp + fp): the share of positive predictions that are right (Keras's Precision).</summary>
/// <param name="threshold">Predictions above it count as positive.</param>
public sealed class Precision(float threshold = 0.5f) : ThresholdCounts(threshold)
{
    /// <inheritdoc/>
    public override string Name => "precision";
    /// <summary>tp / (tp + fp) in [0, 1]; 0 when nothing was predicted positive.</summary>
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalsePositives);
}

/// <summary>Recall tp / (tp + fn): the share of actual positives that are found (Keras's Recall).</summary>
/// <param name="threshold">Predictions above it count as positive.</param>
public sealed class Recall(float threshold = 0.5f) : ThresholdCounts(threshold)
{
    /// <inheritdoc/>
    public override string Name => "recall";
    /// <summary>tp / (tp + fn) in [0, 1]; 0 when no target was positive.</summary>
    public override double Result() => DivideNoNan(TruePositives, TruePositives + FalseNegatives);
}
