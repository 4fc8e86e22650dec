using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A batch read element by element, as the counting metrics (AUC, precision, recall) and the binary
/// accuracies read it: each target is a label, positive when it is above 0.5 (<see cref="IsPositive(float)"/>,
/// the one rule for every metric; for 0/1 targets it is Keras's rule), and each element weighs its sample's weight.
/// </summary>
internal readonly ref struct BinaryElements
{
    private readonly ReadOnlySpan<float> _weights;
    private readonly int _perSample;

    internal BinaryElements(ReadOnlySpan<float> targets, ReadOnlySpan<float> predictions, ReadOnlySpan<float> weights, int perSample)
    {
        Targets = targets;
        Predictions = predictions;
        _weights = weights;
        _perSample = perSample;
    }

    public ReadOnlySpan<float> Targets { get; }
    public ReadOnlySpan<float> Predictions { get; }
    public int Length => Predictions.Length;

    /// <summary>Whether target <paramref name="i"/> is a positive label.</summary>
    public bool IsPositive(int i) => IsPositive(Targets[i]);

    /// <summary>The weight of element <paramref name="i"/>: its sample's weight, 1 without weights.</summary>
    public float Weight(int i) => _weights.IsEmpty ? 1f : _weights[i / _perSample];

    /// <summary>Whether a target value is a positive label: above 0.5.</summary>
    public static bool IsPositive(float target) => target > 0.5f;
}
