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
/// models with several inputs or outputs) one per input and one per output, with optional sample
/// weights for every output or for each.
/// </summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[]? _inputs;
    private readonly Tensor?[]? _targets;
    private readonly Tensor?[]? _weights;

    /// <summary>One input and one target tensor, as Keras's <c>fit(x, y, sample_weight=w)</c>.</summary>
    /// <param name="x">Inputs, samples on axis 0.</param>
    /// <param name="y">Targets with the same number of samples (float32, or int32 class labels).</param>
    /// <param name="sampleWeight">Per-sample loss weights: one float per sample, or (samples, time) for sequence outputs; null weighs all samples 1.</param>
    /// <exception cref="ShapeMismatchException">A tensor has no sample axis, the sample counts differ, or the weights are not float32 with one value or one row per sample.</exception>
    public TensorDataset(Tensor x, Tensor y, Tensor? sampleWeight = null)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"TensorDataset: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"TensorDataset: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
        (X, Y, SampleWeight) = (x, y, CheckWeights(sampleWeight, x.Shape[0], "sample weights"));
    }

    /// <summary>
    /// One tensor per model input and one target per model output, each with the same number of
    /// samples; a null target stands for an output that is neither trained nor measured.
    /// <paramref name="sampleWeight"/> (samples,) or (samples, time) weighs every output.
    /// </summary>
    /// <exception cref="ArgumentException">A list is empty or every target is null.</exception>
    /// <exception cref="ShapeMismatchException">A tensor has no sample axis or the sample counts differ.</exception>
    public TensorDataset(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> targets, Tensor? sampleWeight = null)
    {
        (_inputs, _targets) = CheckLists(inputs, targets);
        (X, Y) = (_inputs[0], FirstGiven(_targets));
        SampleWeight = CheckWeights(sampleWeight, Count, "sample weights");
    }

    /// <summary>
    /// As the other list constructor, with one weight tensor (samples,) or (samples, time) per target (null: that output
    /// unweighted), as Keras's <c>sample_weight=[w1, w2]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A list is empty, every target is null, or the weights are not one per target.</exception>
    /// <exception cref="ShapeMismatchException">A tensor has no sample axis, the sample counts differ, or a weight tensor holds neither one float nor one row per sample.</exception>
    public TensorDataset(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> targets, IReadOnlyList<Tensor?> sampleWeights)
    {
        ArgumentNullException.ThrowIfNull(sampleWeights);
        (_inputs, _targets) = CheckLists(inputs, targets);
        if (sampleWeights.Count != _targets.Length)
            throw new ArgumentException($"TensorDataset: {_targets.Length} targets need one sample-weight entry each; got {sampleWeights.Count}.", nameof(sampleWeights));
        (X, Y) = (_inputs[0], FirstGiven(_targets));
        _weights = new Tensor?[sampleWeights.Count];
        for (int i = 0; i < _weights.Length; i++) _weights[i] = CheckWeights(sampleWeights[i], Count, $"sample weights of target {i}");
    }

    /// <summary>The (first) input tensor.</summary>
    public Tensor X { get; }

    /// <summary>The (first given) target tensor.</summary>
    public Tensor Y { get; }

    /// <summary>Weights (samples,) or (samples, time) of every output; null when unweighted or weighted per output.</summary>
    public Tensor? SampleWeight { get; }

    /// <summary>One weight tensor per target, when the data set was made with them; otherwise null.</summary>
    public IReadOnlyList<Tensor?>? SampleWeights => _weights;

    /// <summary>Every input tensor.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs ?? [X];

    /// <summary>Every target, one per output (null for an output without one).</summary>
    public IReadOnlyList<Tensor?> Targets => _targets ?? [Y];

    /// <inheritdoc/>
    public override int Count => X.Shape[0];

    /// <summary>Copies the rows at <paramref name="indices"/> of every tensor into a new batch, in the order given.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public override Batch GetBatch(ReadOnlySpan<int> indices)
    {
        if (_inputs is null) return new(X.GatherRows(indices), Y.GatherRows(indices), SampleWeight?.GatherRows(indices));
        var inputs = new Tensor[_inputs.Length];
        var targets = new Tensor?[_targets!.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = _inputs[i].GatherRows(indices);
        for (int i = 0; i < targets.Length; i++) targets[i] = _targets[i]?.GatherRows(indices);
        if (_weights is null) return Batch.FromLists(inputs, targets, SampleWeight?.GatherRows(indices));
        var weights = new Tensor?[_weights.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = _weights[i]?.GatherRows(indices);
        return Batch.FromLists(inputs, targets, weights);
    }

    private static (Tensor[] Inputs, Tensor?[] Targets) CheckLists(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Count == 0 || targets.Count == 0)
            throw new ArgumentException($"TensorDataset needs at least one input and one target tensor; got {inputs.Count} and {targets.Count}.");
        foreach (var t in inputs) ArgumentNullException.ThrowIfNull(t, nameof(inputs));
        int samples = inputs[0].Rank == 0 ? -1 : inputs[0].Shape[0];
        for (int i = 0; i < inputs.Count + targets.Count; i++)
        {
            var (t, what) = i < inputs.Count ? (inputs[i], $"input {i}") : (targets[i - inputs.Count], $"target {i - inputs.Count}");
            if (t is not null && (t.Rank == 0 || t.Shape[0] != samples))
                throw new ShapeMismatchException($"TensorDataset: {what} {t.Shape} does not have the {samples} samples of input 0 {inputs[0].Shape}.");
        }
        return ([.. inputs], [.. targets]);
    }

    private static Tensor FirstGiven(Tensor?[] targets)
    {
        foreach (var t in targets)
            if (t is not null) return t;
        throw new ArgumentException("TensorDataset needs at least one target that is not null.", nameof(targets));
    }

    /// <summary>
    /// Weights of one float per sample (viewed as (samples,)) or, for sequence outputs, one row per
    /// sample such as (samples, time) (Keras's temporal sample weights; kept as they are).
    /// </summary>
    private static Tensor? CheckWeights(Tensor? sampleWeight, int samples, string what) =>
        sampleWeight is null ? null
        : sampleWeight.DType != DType.Float32 ? throw new ShapeMismatchException($"TensorDataset: {what} {sampleWeight.Shape} need floats, got {sampleWeight.DType}.")
        : sampleWeight.Size == samples ? sampleWeight.View(samples)
        : sampleWeight.Rank > 1 && sampleWeight.Shape[0] == samples ? sampleWeight
        : throw new ShapeMismatchException($"TensorDataset: {what} {sampleWeight.Shape} need one float per sample ({samples}) or one row per sample, e.g. ({samples}, time).");
}
