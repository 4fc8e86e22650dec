using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// Samples addressed by index (a map-style dataset): <see cref="DataLoader"/> picks the indices of
/// each batch and asks for them together. Subclass it to read samples from disk on demand.
/// </summary>
public abstract class Dataset
{
    /// <summary>Number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>The samples at <paramref name="indices"/>, stacked into one batch.</summary>
    public abstract Batch GetBatch(ReadOnlySpan<int> indices);
}

/// <summary>
/// In-memory tensors whose first axis is the sample axis: one input and one target tensor, or (for
/// models with several inputs or outputs) one per input and one per output.
/// </summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[]? _inputs, _targets;

    public TensorDataset(Tensor x, Tensor y, Tensor? sampleWeight = null)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"TensorDataset: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"TensorDataset: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
        (X, Y, SampleWeight) = (x, y, CheckWeights(sampleWeight, x.Shape[0]));
    }

    /// <summary>One tensor per model input and one per model output, each with the same number of samples.</summary>
    /// <exception cref="ShapeMismatchException">A tensor has no sample axis or the sample counts differ.</exception>
    public TensorDataset(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> targets, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Count == 0 || targets.Count == 0)
            throw new ArgumentException($"TensorDataset needs at least one input and one target tensor; got {inputs.Count} and {targets.Count}.");
        int samples = inputs[0].Rank == 0 ? -1 : inputs[0].Shape[0];
        for (int i = 0; i < inputs.Count + targets.Count; i++)
        {
            var (t, what) = i < inputs.Count ? (inputs[i], $"input {i}") : (targets[i - inputs.Count], $"target {i - inputs.Count}");
            if (t.Rank == 0 || t.Shape[0] != samples)
                throw new ShapeMismatchException($"TensorDataset: {what} {t.Shape} does not have the {samples} samples of input 0 {inputs[0].Shape}.");
        }
        (_inputs, _targets) = ([.. inputs], [.. targets]);
        (X, Y, SampleWeight) = (_inputs[0], _targets[0], CheckWeights(sampleWeight, samples));
    }

    /// <summary>The (first) input tensor.</summary>
    public Tensor X { get; }

    /// <summary>The (first) target tensor.</summary>
    public Tensor Y { get; }

    public Tensor? SampleWeight { get; }

    /// <summary>Every input tensor.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs ?? [X];

    /// <summary>Every target tensor.</summary>
    public IReadOnlyList<Tensor> Targets => _targets ?? [Y];

    public override int Count => X.Shape[0];

    public override Batch GetBatch(ReadOnlySpan<int> indices)
    {
        if (_inputs is null) return new(X.GatherRows(indices), Y.GatherRows(indices), SampleWeight?.GatherRows(indices));
        var inputs = new Tensor[_inputs.Length];
        var targets = new Tensor[_targets!.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = _inputs[i].GatherRows(indices);
        for (int i = 0; i < targets.Length; i++) targets[i] = _targets[i].GatherRows(indices);
        return Batch.FromLists(inputs, targets, SampleWeight?.GatherRows(indices));
    }

    private static Tensor? CheckWeights(Tensor? sampleWeight, int samples) =>
        sampleWeight is null ? null
        : sampleWeight.Size == samples && sampleWeight.DType == DType.Float32 ? sampleWeight.View(samples)
        : throw new ShapeMismatchException($"TensorDataset: sample weights {sampleWeight.Shape} need one float per sample ({samples}).");
}
