using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// One mini-batch: inputs, targets and optional per-sample weights (batch,). A batch for a model
/// with several inputs or outputs comes from <see cref="FromLists"/> and holds one tensor per input
/// and per output; <see cref="X"/> and <see cref="Y"/> are then the first of each. (A plain batch
/// carries no lists, so the one-tensor training step allocates nothing for them.)
/// </summary>
public record Batch(Tensor X, Tensor Y, Tensor? SampleWeight = null)
{
    /// <summary>Samples in the batch.</summary>
    public int Size => X.Shape[0];

    /// <summary>The input tensors (<see cref="X"/> alone for a plain batch).</summary>
    public virtual IReadOnlyList<Tensor> Inputs => [X];

    /// <summary>The target tensors (<see cref="Y"/> alone for a plain batch).</summary>
    public virtual IReadOnlyList<Tensor> Targets => [Y];

    /// <summary>Number of input tensors.</summary>
    public virtual int InputCount => 1;

    /// <summary>Number of target tensors.</summary>
    public virtual int TargetCount => 1;

    /// <summary>Target <paramref name="index"/>, without building a list.</summary>
    public virtual Tensor Target(int index) =>
        index == 0 ? Y : throw new ArgumentOutOfRangeException(nameof(index), index, "This batch has one target.");

    /// <summary>A batch with one tensor per model input and one per model output, in the model's order.</summary>
    /// <exception cref="ArgumentException">A list is empty.</exception>
    public static Batch FromLists(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> targets, Tensor? sampleWeight = null) =>
        new ListBatch([.. inputs ?? throw new ArgumentNullException(nameof(inputs))], [.. targets ?? throw new ArgumentNullException(nameof(targets))], sampleWeight);

    /// <summary>A batch of several input or target tensors.</summary>
    private sealed record ListBatch : Batch
    {
        private readonly Tensor[] _inputs, _targets;

        public ListBatch(Tensor[] inputs, Tensor[] targets, Tensor? sampleWeight)
            : base(First(inputs, nameof(inputs)), First(targets, nameof(targets)), sampleWeight) => (_inputs, _targets) = (inputs, targets);

        public override IReadOnlyList<Tensor> Inputs => _inputs;
        public override IReadOnlyList<Tensor> Targets => _targets;
        public override int InputCount => _inputs.Length;
        public override int TargetCount => _targets.Length;
        public override Tensor Target(int index) => _targets[index];

        private static Tensor First(Tensor[] list, string name) =>
            list.Length > 0 ? list[0] : throw new ArgumentException("A batch needs at least one tensor.", name);
    }
}
