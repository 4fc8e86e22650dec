using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Optimizer-state sharding (ZeRO stage 1) for data-parallel training: each rank updates only its
/// slice of every weight, keeping slot state (Adam's moments and the like) for that slice alone.
/// The update rules are elementwise, so a slice's update has the bits of the whole one.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Dictionary<Parameter, (int Start, Tensor[] Slots)> _shards = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// One update with sharded state: what <see cref="Apply(IReadOnlyList{Parameter})"/> does to the
    /// gradients (pruning masks, clipping: every rank holds the same full gradients, so each computes
    /// the same norms), then weight decay and the update on each parameter's slice
    /// <paramref name="slices"/>[i] only. The caller gathers the weights from the ranks, then calls
    /// <see cref="ApplyConstraints"/>.
    /// </summary>
    internal void ApplySharded(IReadOnlyList<Parameter> parameters, IReadOnlyList<(int Start, int Count)> slices)
    {
        _step.Clear();
        var stepSlices = new List<(int Start, int Count)>();
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { Trainable: true, Value.Grad: { } grad } p)
            {
                _step.Add((p, grad));
                stepSlices.Add(slices[i]);
            }
        CheckClipping();
        foreach (var (p, grad) in _step)
            if (p.PruningMask is { } mask) System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Span, mask.Span, grad.Span);
        // Accumulation works on the whole gradients, which every rank holds (the accumulators are not sharded).
        if (!AccumulateGradients())
        {
            _step.Clear();
            return;
        }
        StepLearningRate = _schedule.Rate(Iterations);
        GradientClipping.Clip(_step, ClipNorm, ClipValue, GlobalClipNorm);
        if (WeightDecay is { } wd and not 0f)
            for (int j = 0; j < _step.Count; j++)
                GradientClipping.DecayWeights(_step[j].Parameter.Value.Span.Slice(stepSlices[j].Start, stepSlices[j].Count), wd, StepLearningRate);
        Iterations++;
        BeginStep();
        for (int j = 0; j < _step.Count; j++)
        {
            var (p, grad) = _step[j];
            var (start, count) = stepSlices[j];
            if (count == 0)
            {
                // Another rank's: whole slots gathered for a checkpoint, or restored, are not kept here.
                _slots.Remove(p);
                for (int i = 0; i < SlotNames.Count; i++) _pending.Remove(SlotKey(p.Path, i));
                continue;
            }
            Update(p.Value.Span.Slice(start, count), grad.Span.Slice(start, count), ShardSlotsOf(p, start, count));
        }
        _step.Clear();
    }

    /// <summary>Whether some slots live as this rank's slices only (a sharded run): <see cref="GetState"/> then lacks them until they are gathered.</summary>
    internal bool HoldsShards => _shards.Count > 0;

    /// <summary>The weights' constraints and pruning masks, after a sharded update's weights are gathered (as Apply does after its update).</summary>
    internal void ApplyConstraints(IReadOnlyList<Parameter> parameters)
    {
        foreach (var p in parameters)
        {
            if (!p.Trainable || p.Value.Grad is null) continue;
            p.Constraint?.Apply(p.Value);
            if (p.PruningMask is { } mask) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Value.Span, mask.Span, p.Value.Span);
        }
    }

    /// <summary>This rank's slot tensors of <paramref name="p"/>'s slice (null before its first sharded update).</summary>
    internal Tensor[]? ShardSlots(Parameter p) => _shards.TryGetValue(p, out var s) ? s.Slots : null;

    /// <summary>The floats of slot state this optimizer holds (sharded and whole), for memory reports.</summary>
    internal long StateFloats
    {
        get
        {
            long n = 0;
            foreach (var (_, slots) in _slots) foreach (var t in slots) n += t.Size;
            foreach (var (_, (_, slots)) in _shards) foreach (var t in slots) n += t.Size;
            return n;
        }
    }

    /// <summary>
    /// Sets <paramref name="p"/>'s whole slots (gathered from the ranks' slices), so that
    /// <see cref="GetState"/> holds them; with <paramref name="keepShard"/> the slice stays in use and
    /// the whole slots are dropped again at the next sharded update.
    /// </summary>
    internal void SetWholeSlots(Parameter p, Tensor[] slots, bool keepShard)
    {
        _slots[p] = slots;
        if (!keepShard) _shards.Remove(p);
    }

    private Tensor[] ShardSlotsOf(Parameter p, int start, int count)
    {
        if (_shards.TryGetValue(p, out var shard) && shard.Start == start && shard.Slots[0].Size == count)
        {
            _slots.Remove(p); // whole slots gathered for a checkpoint are not kept
            return shard.Slots;
        }
        var slots = new Tensor[SlotNames.Count];
        // From the whole slots (an unsharded run before, or a checkpoint restored), else fresh.
        _slots.Remove(p, out var whole);
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = Tensor.Full(new Shape(count), SlotInitialValue(i));
            Tensor? source = whole?[i] ?? (_pending.Remove(SlotKey(p.Path, i), out var saved) ? saved : null);
            if (source is null) continue;
            if (source.Shape != p.Shape)
                throw new ShapeMismatchException($"{Name} state '{SlotKey(p.Path, i)}' has shape {source.Shape}; the parameter has {p.Shape}.");
            source.Span.Slice(start, count).CopyTo(slots[i].Span);
        }
        _shards[p] = (start, slots);
        return slots;
    }
}
