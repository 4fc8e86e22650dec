using System.Numerics.Tensors;
using DeepSharp.Distributed;
using DeepSharp.Nn;
using DeepSharp.Tensors;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Training;

/// <summary>
/// What a data-parallel Fit keeps between steps: the strategy, the model's parameters as flat
/// vectors (trainable values in index order; the others, such as BatchNormalization's moving
/// statistics, apart), the reducer of the chosen mode, and the generators of the random layers.
/// </summary>
internal sealed class DataParallelRun(DistributedStrategy strategy) : IDisposable
{
    private Parameter[]? _trainable;
    private GradientBuckets? _buckets;

    public DistributedStrategy Strategy { get; } = strategy;
    public Communicator Communicator => Strategy.Communicator;

    /// <summary>The trainable parameters, by index; their sizes.</summary>
    public Parameter[] Trainable => _trainable!;
    public int[] Sizes { get; private set; } = [];

    /// <summary>Parameters that are not trained (moving statistics), and a copy of their values at the step's start.</summary>
    public Parameter[] Frozen { get; private set; } = [];
    public float[] FrozenAtStart { get; private set; } = [];

    public DeterministicReducer? Reducer { get; private set; }

    /// <summary>The caller's token (Ctrl-C) on this rank, and the source that stops every rank at the same step once any rank's is set.</summary>
    public CancellationToken StopRequested { get; set; }
    public CancellationTokenSource? Stop { get; set; }

    /// <summary>
    /// Which slice of the weights this rank updates, when the optimizer state is sharded (ZeRO stage 1,
    /// asked for, or taken by the split update: <see cref="SplitsUpdate"/>).
    /// </summary>
    public OptimizerShard? Shard { get; private set; }

    /// <summary>The environment variable that turns the split update off (value 0): every rank then adds up and updates all the weights.</summary>
    public const string SplitSwitch = "DEEPSHARP_SPLIT_UPDATE";

    private bool? _split;

    /// <summary>
    /// Whether the ranks split the work after the exchange (call after the step's
    /// <see cref="DeterministicReducer.Begin"/>): when the node sums are in shared memory, each rank
    /// updates only its block of the weights (<see cref="UpdateBlocks"/>) with its slice of the
    /// optimizer state (the sharded optimizer, taken on for it) and the ranks hand the updated blocks
    /// over through shared memory; unless the full gradient is needed (gradient hooks, per-tensor or
    /// global norm clipping) each rank also adds up only its block's gradient. Decided at the first
    /// step, the same on every rank (one all-gather); <see cref="SplitSwitch"/>=0 on every rank turns it off.
    /// </summary>
    public bool SplitsUpdate()
    {
        if (_split is { } known) return known;
        bool split = false;
        if (Reducer is { SharedMemory: true, ReduceScatter: false } && Communicator.Size > 1)
        {
            bool willing = Environment.GetEnvironmentVariable(SplitSwitch) != "0";
            var all = new byte[Communicator.Size];
            Communicator.Allgather<byte>([(byte)(willing ? 1 : 0)], all);
            split = Array.TrueForAll(all, b => b == 1);
        }
        if (split) Shard ??= new OptimizerShard(Communicator, Trainable);
        Strategy.Profile.SplitUpdate = split;
        _split = split;
        return split;
    }

    /// <summary>
    /// The environment variable that keeps each rank's own copy of the weights (value 0, on every rank):
    /// the split update then copies the updated blocks between the ranks' weights instead of updating
    /// the machine's one copy in place.
    /// </summary>
    public const string SharedWeightsSwitch = "DEEPSHARP_SHARED_WEIGHTS";

    private bool _weightsTried, _weightsShared;

    /// <summary>
    /// Collective, once, after the first split step's <see cref="DeterministicReducer.ShareWeights"/>:
    /// keeps the trainable weights in the machine's shared file from now on (their tensors become views
    /// of <see cref="SharedWeights.Array"/>; each rank's update writes its block there, and no rank copies
    /// another's), unless <paramref name="hooks"/> (gradient hooks read the weights while other ranks may
    /// already be updating them), a weight constraint or pruning mask (applied to whole weights on every
    /// rank), or <see cref="SharedWeightsSwitch"/>=0 on any rank says otherwise, or the memory cannot be
    /// mapped. <see cref="Dispose"/> gives every weight its own memory back.
    /// </summary>
    public void KeepWeightsShared(bool hooks)
    {
        if (_weightsTried) return;
        _weightsTried = true;
        bool willing = Environment.GetEnvironmentVariable(SharedWeightsSwitch) != "0" && !hooks
            && Array.TrueForAll(Trainable, q => q.Constraint is null && q.PruningMask is null);
        var weights = Reducer!.KeepWeightsShared(i => Trainable[i].Value.Span, willing);
        if (weights is null) return;
        var storage = new CpuStorage<float>(weights.Array);
        for (int i = 0; i < Trainable.Length; i++) Trainable[i].Value.MoveTo(storage, weights.Start + Reducer.Offset(i));
        _weightsShared = true;
    }

    /// <summary>Each trainable weight back in memory of its own, with its current values (before the shared file goes).</summary>
    private void GiveWeightsBack()
    {
        if (!_weightsShared) return;
        foreach (var q in Trainable)
        {
            var own = new CpuStorage<float>(q.Value.Size, clear: false);
            q.Value.Span.CopyTo(own.Span);
            q.Value.MoveTo(own, 0);
        }
        _weightsShared = false;
    }

    /// <summary>Tells <see cref="Reducer"/> each gradient of the rank's last chunk as backward finishes it.</summary>
    public Trainer.ChunkListener? ChunkListener { get; private set; }
    public GradientBuckets? Buckets => _buckets;

    /// <summary>The generators of the random layers (dropout, augmentation) and their states at the step's start.</summary>
    public List<RandomGenerator> Generators { get; } = [];
    public List<uint[]> GeneratorsAtStart { get; } = [];

    /// <summary>Sizes the buffers for the model's parameters (once per Fit: the lists are fixed then).</summary>
    public void Prepare(Parameter[] parameters, Parameter[] trainable)
    {
        if (ReferenceEquals(_trainable, trainable)) return;
        if (_trainable is not null) GiveWeightsBack();
        _weightsTried = false;
        _trainable = trainable;
        _split = null;
        Sizes = Array.ConvertAll(trainable, p => p.Value.Size);
        Total(trainable); // throws when the model does not fit one flat vector
        var set = new HashSet<Parameter>(trainable, ReferenceEqualityComparer.Instance);
        Frozen = [.. parameters.Where(p => !set.Contains(p))];
        FrozenAtStart = new float[Total(Frozen)];
        if (Strategy.Reduction == GradientReduction.Deterministic)
        {
            Reducer?.Dispose();
            Reducer = new DeterministicReducer(Communicator, Sizes, Strategy.BucketBytes, Strategy.Exchange) { Profile = Strategy.Profile };
            ChunkListener = new Trainer.ChunkListener(Reducer, trainable);
            Shard = Strategy.ShardOptimizer ? new OptimizerShard(Communicator, trainable) : null;
        }
        else
        {
            _buckets?.Dispose();
            _buckets = new GradientBuckets(Communicator, Sizes, Strategy.BucketBytes);
        }
    }

    /// <summary>The floats in <paramref name="parameters"/>' values.</summary>
    public static int Total(IReadOnlyList<Parameter> parameters)
    {
        long total = 0;
        foreach (var p in parameters) total += p.Value.Size;
        return total <= Array.MaxLength ? (int)total
            : throw new DeepSharpException($"Data-parallel training: the model has {total} values; at most {Array.MaxLength} fit one flat vector.");
    }

    /// <summary>The values (or, with <paramref name="gradients"/>, the gradients: zeros where there are none) into one flat span.</summary>
    public static void Flatten(IReadOnlyList<Parameter> parameters, Span<float> destination, bool gradients)
    {
        int at = 0;
        foreach (var p in parameters)
        {
            var target = destination.Slice(at, p.Value.Size);
            var source = gradients ? p.Value.Grad : p.Value;
            if (source is null) target.Clear();
            else source.Span.CopyTo(target);
            at += target.Length;
        }
    }

    /// <summary>Puts a flat span back into the values (or the existing gradients).</summary>
    public static void Unflatten(ReadOnlySpan<float> source, IReadOnlyList<Parameter> parameters, bool gradients)
    {
        int at = 0;
        foreach (var p in parameters)
        {
            var part = source.Slice(at, p.Value.Size);
            at += part.Length;
            var target = gradients ? p.Value.Grad : p.Value;
            if (target is not null) part.CopyTo(target.Span);
        }
    }

    // Deterministic mode: each trainable's own gradient tensor, and views of the reducer's node buffers
    // (per buffer start) that backward writes a chunk's gradient into instead.
    private Tensor[] _ownGradients = [];
    private readonly Dictionary<(float[] Array, int Start), Tensor[]> _nodeViews = [];
    private readonly Dictionary<float[], CpuStorage<float>> _nodeStorage = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Before a chunk: points each trainable parameter's gradient at the chunk's tree node when the
    /// reducer has one for it (<see cref="DeterministicReducer.CurrentTarget"/>: backward then writes
    /// the chunk's gradient there and no copy is needed), else at the parameter's own gradient tensor
    /// (with the reduce-scatter, a view of the vector the global gradient is gathered into).
    /// The step clears the gradients before each chunk's backward either way, so the bits are the same.
    /// </summary>
    public void PointGradientsAtCurrentChunk()
    {
        var trainable = Trainable;
        if (_ownGradients.Length != trainable.Length)
        {
            _ownGradients = new Tensor[trainable.Length];
            // The reduce-scatter gathers the global gradient into one flat vector: gradients that are views of it need no copy.
            if (Reducer!.ResultBuffer is { } result)
            {
                var storage = new CpuStorage<float>(result);
                for (int i = 0; i < trainable.Length; i++) _ownGradients[i] = new Tensor(storage, trainable[i].Shape, Reducer.Offset(i));
            }
        }
        for (int i = 0; i < trainable.Length; i++)
        {
            var grad = trainable[i].Value.Grad;
            if (grad is not null && !IsNodeView(grad) && Reducer!.ResultBuffer is null) _ownGradients[i] = grad;
            _ownGradients[i] ??= Tensor.Zeros(trainable[i].Shape);
        }
        if (Reducer!.CurrentTarget() is not { } target)
        {
            RestoreOwnGradients();
            return;
        }
        if (!_nodeViews.TryGetValue(target, out var views))
        {
            if (!_nodeStorage.TryGetValue(target.Array, out var storage)) _nodeStorage[target.Array] = storage = new CpuStorage<float>(target.Array);
            views = new Tensor[trainable.Length];
            for (int i = 0; i < trainable.Length; i++) views[i] = new Tensor(storage, trainable[i].Shape, target.Start + Reducer.Offset(i));
            _nodeViews[target] = views;
        }
        for (int i = 0; i < trainable.Length; i++) trainable[i].Value.Grad = views[i];
    }

    /// <summary>Gives each trainable parameter its own gradient tensor back (before the step's global gradient is written into them).</summary>
    public void RestoreOwnGradients()
    {
        for (int i = 0; i < _ownGradients.Length; i++)
            if (_ownGradients[i] is { } own) Trainable[i].Value.Grad = own;
    }

    private bool IsNodeView(Tensor t) => t.Storage is CpuStorage<float> s && _nodeStorage.ContainsValue(s);

    /// <summary>Scales tensor <paramref name="index"/>'s gradient into its bucket slot and hands it in.</summary>
    public void HandIn(int index, float scale)
    {
        var slot = _buckets!.Slot(index, Sizes[index]);
        if (Trainable[index].Value.Grad is { } grad) TensorPrimitives.Multiply(grad.Span, scale, slot);
        else slot.Clear();
        _buckets.Ready(index);
    }

    /// <summary>
    /// Sets each random layer's generator to a stream of its own for <paramref name="position"/>
    /// (a chunk's global index, or −1 after the step), derived from its state at the step's start:
    /// the masks of a chunk depend on where the chunk is in the global batch, never on the rank.
    /// </summary>
    public void SeedGenerators(int position)
    {
        for (int i = 0; i < Generators.Count; i++)
        {
            var s = GeneratorsAtStart[i];
            ulong a = ((ulong)s[1] << 32) | s[0], b = ((ulong)s[3] << 32) | s[2];
            ulong seed = a ^ ulong.RotateLeft(b, 29) ^ ((ulong)(position + 2) * 0x9E3779B97F4A7C15UL);
            Generators[i].SetState(new RandomGenerator((long)seed).GetState());
        }
    }

    public void Dispose()
    {
        _buckets?.Dispose();
        if (_trainable is not null) GiveWeightsBack(); // before the shared file's mapping goes
        Reducer?.Dispose(); // the shared memory's mapping
    }
}
