using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// One mini-batch: inputs, targets and optional sample weights, (batch,) or, for sequence outputs,
/// (batch, time) (Keras's temporal sample weights). A batch for a model
/// with several inputs or outputs comes from <see cref="FromLists(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}, Tensor?)"/>
/// and holds one tensor per input and one target per output (null for an output that is neither
/// trained nor measured); <see cref="X"/> and <see cref="Y"/> are then the first input and the first
/// target given. (A plain batch carries no lists, so the one-tensor training step allocates nothing for them.)
/// </summary>
/// <param name="X">The (first) input.</param>
/// <param name="Y">The (first given) target.</param>
/// <param name="SampleWeight">Weights (batch,) or (batch, time) applied to every output; null when unweighted or when the batch has one weight tensor per output (see <see cref="SampleWeightOf"/>).</param>
public record Batch(Tensor X, Tensor Y, Tensor? SampleWeight = null)
{
    /// <summary>Samples in the batch.</summary>
    public int Size => X.Shape[0];

    /// <summary>The (first) input and target: <c>var (x, y) = batch</c>, <c>foreach (var (x, y) in loader)</c>.</summary>
    public void Deconstruct(out Tensor x, out Tensor y) => (x, y) = (X, Y);

    /// <summary>The input tensors (<see cref="X"/> alone for a plain batch).</summary>
    public virtual IReadOnlyList<Tensor> Inputs => [X];

    /// <summary>The target tensors, one per output, null for an output without a target (<see cref="Y"/> alone for a plain batch).</summary>
    public virtual IReadOnlyList<Tensor?> Targets => [Y];

    /// <summary>Number of input tensors.</summary>
    public virtual int InputCount => 1;

    /// <summary>Number of targets, one per output (null ones included).</summary>
    public virtual int TargetCount => 1;

    /// <summary>Target <paramref name="index"/> (null if that output has none), without building a list.</summary>
    public virtual Tensor? Target(int index) =>
        index == 0 ? Y : throw new ArgumentOutOfRangeException(nameof(index), index, "This batch has one target.");

    /// <summary>
    /// The weights (batch,) or (batch, time) for output <paramref name="index"/>'s loss and weighted metrics: its own when
    /// the batch has one weight tensor per output, <see cref="SampleWeight"/> otherwise (null: unweighted).
    /// </summary>
    public virtual Tensor? SampleWeightOf(int index) =>
        index == 0 ? SampleWeight : throw new ArgumentOutOfRangeException(nameof(index), index, "This batch has one target.");

    /// <summary>
    /// A batch with one tensor per model input and one target per model output, in the model's order;
    /// <paramref name="sampleWeight"/> weighs every output.
    /// </summary>
    /// <exception cref="ArgumentException">A list is empty, or every target is null.</exception>
    public static Batch FromLists(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> targets, Tensor? sampleWeight = null) =>
        new ListBatch(Copy(inputs, nameof(inputs)), Copy(targets, nameof(targets)), sampleWeight, null);

    /// <summary>
    /// A batch with one tensor per model input, one target per output and one weight tensor (batch,) or (batch, time)
    /// per output (null: that output unweighted), as Keras's <c>sample_weight=[w1, w2]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A list is empty, every target is null, or the weights are not one per target.</exception>
    public static Batch FromLists(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> targets, IReadOnlyList<Tensor?> sampleWeights)
    {
        var t = Copy(targets, nameof(targets));
        var w = Copy(sampleWeights, nameof(sampleWeights));
        if (w.Length != t.Length)
            throw new ArgumentException($"A batch with {t.Length} targets needs one sample-weight entry per target; got {w.Length}.", nameof(sampleWeights));
        // One target: its weights are the batch's weights, so the one-output training step reads them.
        return t.Length == 1 ? new ListBatch(Copy(inputs, nameof(inputs)), t, w[0], null) : new ListBatch(Copy(inputs, nameof(inputs)), t, null, w);
    }

    private static T[] Copy<T>(IReadOnlyList<T> list, string name) => [.. list ?? throw new ArgumentNullException(name)];

    /// <summary>A batch of several input or target tensors.</summary>
    private sealed record ListBatch : Batch
    {
        private readonly Tensor[] _inputs;
        private readonly Tensor?[] _targets;
        private readonly Tensor?[]? _weights;

        public ListBatch(Tensor[] inputs, Tensor?[] targets, Tensor? sampleWeight, Tensor?[]? weights)
            : base(First(inputs, nameof(inputs)), FirstGiven(targets), sampleWeight) => (_inputs, _targets, _weights) = (inputs, targets, weights);

        public override IReadOnlyList<Tensor> Inputs => _inputs;
        public override IReadOnlyList<Tensor?> Targets => _targets;
        public override int InputCount => _inputs.Length;
        public override int TargetCount => _targets.Length;
        public override Tensor? Target(int index) => _targets[index];
        public override Tensor? SampleWeightOf(int index) => _weights is null ? SampleWeight : _weights[index];

        private static Tensor First(Tensor[] list, string name)
        {
            if (list.Length == 0) throw new ArgumentException("A batch needs at least one tensor.", name);
            foreach (var t in list) ArgumentNullException.ThrowIfNull(t, name);
            return list[0];
        }

        private static Tensor FirstGiven(Tensor?[] targets)
        {
            foreach (var t in targets)
                if (t is not null) return t;
            throw new ArgumentException(targets.Length == 0 ? "A batch needs at least one tensor." : "A batch needs at least one target that is not null.", nameof(targets));
        }
    }
}
