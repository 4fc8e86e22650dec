using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Counts true/false positives and negatives over every element, a prediction counting as positive
/// when it exceeds the threshold (Keras's default 0.5) and a target when it is 1. With sample
/// weights each element adds its sample's weight instead of 1 (Keras's weighted confusion counts).
/// </summary>
public abstract class ThresholdCounts(float threshold) : Metric
{
    protected double TruePositives, FalsePositives, FalseNegatives, TrueNegatives;

    public float Threshold { get; } = threshold;

    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yTrue.Size != yPred.Size)
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} need as many elements.");
        var t = yTrue.Span;
        var p = yPred.Span;
        int rows = yPred.Rank == 0 ? 1 : yPred.Shape[0];
        var weights = SampleWeights(sampleWeight, rows);
        int perRow = rows == 0 ? 0 : p.Length / rows;
        for (int i = 0; i < p.Length; i++)
        {
            float w = WeightAt(weights, i / perRow);
            bool predicted = p[i] > Threshold, actual = t[i] == 1f;
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
