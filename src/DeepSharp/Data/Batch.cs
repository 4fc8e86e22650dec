using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// One mini-batch: inputs, targets and optional per-sample weights (batch,). A batch for a model
/// with several inputs or outputs holds one tensor per input and per output (see the list
/// constructor); <see cref="X"/> and <see cref="Y"/> are then the first of each.
/// </summary>
public sealed record Batch(Tensor X, Tensor Y, Tensor? SampleWeight = null)
{
    private readonly Tensor[]? _inputs, _targets;

    /// <summary>A batch with one tensor per model input and one per model output, in the model's order.</summary>
    /// <exception cref="ArgumentException">A list is empty.</exception>
    public Batch(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> targets, Tensor? sampleWeight = null)
        : this(First(inputs, nameof(inputs)), First(targets, nameof(targets)), sampleWeight)
    {
        _inputs = [.. inputs];
        _targets = [.. targets];
    }

    /// <summary>Samples in the batch.</summary>
    public int Size => X.Shape[0];

    /// <summary>The input tensors (one unless made with the list constructor).</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs ?? [X];

    /// <summary>The target tensors (one unless made with the list constructor).</summary>
    public IReadOnlyList<Tensor> Targets => _targets ?? [Y];

    /// <summary>Number of input tensors.</summary>
    public int InputCount => _inputs?.Length ?? 1;

    /// <summary>Number of target tensors.</summary>
    public int TargetCount => _targets?.Length ?? 1;

    /// <summary>Target <paramref name="index"/> without building a list (Y for index 0 of a plain batch).</summary>
    public Tensor Target(int index) => _targets is not null ? _targets[index]
        : index == 0 ? Y : throw new ArgumentOutOfRangeException(nameof(index), index, "This batch has one target.");

    private static Tensor First(IReadOnlyList<Tensor> list, string name)
    {
        ArgumentNullException.ThrowIfNull(list, name);
        return list.Count > 0 ? list[0] : throw new ArgumentException("A batch needs at least one tensor.", name);
    }
}
