using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

public abstract partial class Optimizer
{
    private readonly Dictionary<string, Tensor> _pending = new(StringComparer.Ordinal);

    /// <summary>A copy of the optimizer's state (iterations, learning rate, slots by parameter path, scalars).</summary>
    public OptimizerState GetState()
    {
        var state = new OptimizerState { Optimizer = Name, Iterations = Iterations, LearningRate = LearningRate };
        foreach (var (p, slots) in _slots)
            for (int i = 0; i < slots.Length; i++)
                if (!state.Tensors.TryAdd(SlotKey(p.Path, i), slots[i].Clone()))
                    throw new InvalidOperationException($"{Name}.GetState: two variables updated by this optimizer share the path '{p.Path}', so their states would overwrite each other; give standalone variables distinct names.");
        foreach (var (key, value) in _pending) state.Tensors[key] = value.Clone();
        WriteScalars(state.Scalars);
        WriteAccumulation(state);
        return state;
    }

    /// <summary>
    /// Restores a state from <see cref="GetState"/>. Slots of parameters this optimizer has already
    /// seen are overwritten now; the others are kept and used when each parameter is first updated,
    /// so a state can be restored before training resumes.
    /// </summary>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != Name)
            throw new ArgumentException($"The state is of a '{state.Optimizer}' optimizer; this one is '{Name}'.", nameof(state));
        int accumulated = ReadAccumulatedSteps(state);
        Iterations = state.Iterations;
        AccumulatedSteps = accumulated;
        foreach (var (_, acc) in _accumulators) acc.Span.Clear(); // what the state does not hold starts from zero
        if (_schedule is ConstantLearningRate) _schedule = new ConstantLearningRate(state.LearningRate);
        _pending.Clear();
        var byPath = new Dictionary<string, Tensor[]>(StringComparer.Ordinal);
        foreach (var (p, slots) in _slots)
            if (!byPath.TryAdd(p.Path, slots))
                throw new InvalidOperationException($"{Name}.SetState: two variables updated by this optimizer share the path '{p.Path}', so the state cannot tell which is which; give standalone variables distinct names.");
        foreach (var (key, value) in state.Tensors)
        {
            int cut = key.LastIndexOf('/');
            if (cut >= 0 && _accumulationSteps is not null && key.AsSpan(cut + 1).SequenceEqual(AccumulatorSlot))
            {
                RestoreAccumulator(key, key[..cut], value);
                continue;
            }
            int slot = cut < 0 ? -1 : IndexOfSlot(key[(cut + 1)..]);
            if (slot < 0) throw new ArgumentException($"{Name} has no state named '{key}'; slots are {string.Join(", ", SlotNames)}.", nameof(state));
            if (byPath.TryGetValue(key[..cut], out var slots))
            {
                if (slots[slot].Shape != value.Shape)
                    throw new ShapeMismatchException($"{Name} state '{key}' has shape {value.Shape}; the parameter has {slots[slot].Shape}.");
                value.Span.CopyTo(slots[slot].Span);
            }
            else
            {
                _pending[key] = value.Clone();
            }
        }
        ReadScalars(state.Scalars);
    }

    /// <summary>Writes optimizer-wide scalars (beyond iterations and the rate) into a state.</summary>
    protected virtual void WriteScalars(IDictionary<string, double> scalars) { }

    /// <summary>Reads back what <see cref="WriteScalars"/> wrote.</summary>
    protected virtual void ReadScalars(IReadOnlyDictionary<string, double> scalars) { }

    /// <summary>The names of the per-parameter slots this optimizer keeps ("momentum", "velocity"), for readers that check a state.</summary>
    internal IReadOnlyList<string> StateSlotNames => _accumulationSteps is null ? SlotNames : [.. SlotNames, AccumulatorSlot];

    private string SlotKey(string path, int slot) => path + "/" + SlotNames[slot];

    private int IndexOfSlot(string name)
    {
        for (int i = 0; i < SlotNames.Count; i++) if (SlotNames[i] == name) return i;
        return -1;
    }
}
