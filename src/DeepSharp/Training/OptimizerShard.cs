using DeepSharp.Distributed;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Which values of the trainable weights each rank updates when the optimizer state is sharded (ZeRO
/// stage 1, docs/distributed.md): the flat vector of P values is cut into W blocks of ⌈P/W⌉ (rounded
/// up to 16 floats, <see cref="UpdateBlocks"/>); rank r owns block r, that is a slice of each weight it intersects. After its
/// sharded update a rank's block goes to every rank with one all-gather (or, on one machine, through
/// shared memory: <see cref="DeterministicReducer.ShareWeights"/>). The optimizer state is
/// gathered onto rank 0 alone when a checkpoint is written (rank 0 writes it), and whole onto every
/// rank at the end of Fit, so the optimizer is then the same as after an unsharded Fit.
/// </summary>
internal sealed class OptimizerShard
{
    private readonly Communicator _communicator;
    private readonly Parameter[] _trainable;
    private readonly int[] _offset;
    private readonly int _block;
    private readonly float[] _send, _receive;

    public OptimizerShard(Communicator communicator, Parameter[] trainable)
    {
        (_communicator, _trainable) = (communicator, trainable);
        _offset = new int[trainable.Length + 1];
        for (int i = 0; i < trainable.Length; i++) _offset[i + 1] = checked(_offset[i] + trainable[i].Value.Size);
        int total = _offset[^1], ranks = communicator.Size;
        _block = UpdateBlocks.Block(total, ranks);
        var (start, end) = UpdateBlocks.Range(total, ranks, communicator.Rank);
        Slices = new (int, int)[trainable.Length];
        for (int i = 0; i < trainable.Length; i++)
        {
            int lo = Math.Clamp(start, _offset[i], _offset[i + 1]), hi = Math.Clamp(end, _offset[i], _offset[i + 1]);
            Slices[i] = (lo - _offset[i], hi - lo);
        }
        _send = new float[_block];
        _receive = new float[(long)_block * ranks];
    }

    /// <summary>This rank's slice of each trainable weight: (start in the weight, count).</summary>
    public (int Start, int Count)[] Slices { get; }

    /// <summary>Every rank's updated slices into every rank's weights.</summary>
    public void GatherWeights() => Gather(i => _trainable[i].Value.Span.Slice(Slices[i].Start, Slices[i].Count), i => _trainable[i].Value.Span);

    /// <summary>
    /// The optimizer's sharded slot state gathered whole on every rank and handed back to it, unsharded
    /// (the end of Fit).
    /// </summary>
    public void GatherOptimizerState(Optimizer optimizer) => GatherOptimizerState(optimizer, root: -1);

    /// <summary>
    /// For a checkpoint: the optimizer's sharded slot state gathered whole onto rank 0 alone, which
    /// holds it beside its slice until its next update (so the checkpoint it writes has all of it);
    /// the other ranks only send their slices and keep nothing more.
    /// </summary>
    public void GatherOptimizerStateForCheckpoint(Optimizer optimizer) => GatherOptimizerState(optimizer, root: 0);

    /// <summary>The state gathered onto every rank (<paramref name="root"/> −1: whole again, unsharded) or onto <paramref name="root"/> only (kept sharded there too).</summary>
    private void GatherOptimizerState(Optimizer optimizer, int root)
    {
        int slots = -1;
        foreach (var p in _trainable)
            if (optimizer.ShardSlots(p) is { } s) slots = Math.Max(slots, s.Length);
        // Every rank must make the same collectives: agree on whether there is state at all.
        var flags = new int[_communicator.Size];
        _communicator.Allgather<int>([slots], flags);
        slots = flags.Max();
        if (slots <= 0) return;
        bool receives = root < 0 || _communicator.Rank == root;
        if (!receives)
        {
            for (int s = 0; s < slots; s++)
            {
                int slot = s;
                Send(i => optimizer.ShardSlots(_trainable[i]) is { } mine ? mine[slot].Span : Span<float>.Empty, root);
            }
            return;
        }
        var whole = new Tensor[_trainable.Length][];
        for (int i = 0; i < _trainable.Length; i++)
        {
            whole[i] = new Tensor[slots];
            for (int s = 0; s < slots; s++) whole[i][s] = Tensor.Zeros(_trainable[i].Shape);
        }
        for (int s = 0; s < slots; s++)
        {
            int slot = s;
            Gather(i => optimizer.ShardSlots(_trainable[i]) is { } mine ? mine[slot].Span : Span<float>.Empty, i => whole[i][slot].Span, root);
        }
        for (int i = 0; i < _trainable.Length; i++) optimizer.SetWholeSlots(_trainable[i], whole[i], keepShard: root >= 0);
    }

    /// <summary>A rank other than <paramref name="root"/>'s part of <see cref="Gather"/> to root: its packed slices.</summary>
    private void Send(Func<int, Span<float>> mine, int root)
    {
        Pack(mine);
        _communicator.Gather<float>(_send, [], root);
    }

    private void Pack(Func<int, Span<float>> mine)
    {
        int at = 0;
        for (int i = 0; i < _trainable.Length; i++)
        {
            var part = mine(i);
            if (part.Length == 0) continue;
            part.CopyTo(_send.AsSpan(at));
            at += part.Length;
        }
    }

    /// <summary>
    /// Packs each weight's owned slice (<paramref name="mine"/>; empty: none) into the block, gathers
    /// the blocks (all-gather, or onto <paramref name="root"/> when it is not −1, the rank calling being
    /// root), and writes every rank's blocks into <paramref name="whole"/>.
    /// </summary>
    private void Gather(Func<int, Span<float>> mine, Func<int, Span<float>> whole, int root = -1)
    {
        Pack(mine);
        if (root < 0) _communicator.Allgather<float>(_send, _receive);
        else _communicator.Gather<float>(_send, _receive, root);
        int total = _offset[^1];
        for (int r = 0; r < _communicator.Size; r++)
        {
            int start = Math.Min(total, r * _block), end = Math.Min(total, start + _block);
            for (int i = 0; i < _trainable.Length; i++)
            {
                int lo = Math.Clamp(start, _offset[i], _offset[i + 1]), hi = Math.Clamp(end, _offset[i], _offset[i + 1]);
                if (hi > lo) _receive.AsSpan(r * _block + (lo - start), hi - lo).CopyTo(whole(i).Slice(lo - _offset[i]));
            }
        }
    }
}
