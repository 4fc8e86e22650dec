using DeepSharp.Nn;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Optimizers;

/// <summary>
/// Gradient accumulation, as Keras 3's <c>gradient_accumulation_steps</c>: of every N calls to Apply, the
/// first N − 1 add their gradients into per-parameter accumulators and leave the weights alone; the N-th
/// replaces each gradient by (g + accumulator)/N, then clips, decays and updates as a plain step does and
/// zeroes every accumulator. <see cref="Iterations"/>, schedules and weight decay advance on that N-th call only.
/// </summary>
public abstract partial class Optimizer
{
    /// <summary>The slot name of a parameter's gradient accumulator in a state ("dense/kernel/gradient_accumulator"), Keras's.</summary>
    public const string AccumulatorSlot = "gradient_accumulator";
    /// <summary>The state's scalar counting the calls accumulated since the last update.</summary>
    private const string AccumulatedStepsScalar = "accumulated_steps";
    private const string AccumulatorSuffix = "/" + AccumulatorSlot;

    private readonly Dictionary<Parameter, Tensor> _accumulators = new(ReferenceEqualityComparer.Instance);
    private int? _accumulationSteps;

    /// <summary>
    /// Average the gradients of this many consecutive calls to Apply and update once with the average
    /// (Keras's <c>gradient_accumulation_steps</c>): N steps of batch B then move the weights as one step of
    /// batch N·B would (for layers that do not look across the batch). Null (the default): update every call.
    /// Clipping applies to the average. The accumulators are optimizer state, kept in checkpoints.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 2 (Keras's rule; null turns accumulation off).</exception>
    /// <exception cref="InvalidOperationException">Gradients are accumulated but not yet applied.</exception>
    public int? GradientAccumulationSteps
    {
        get => _accumulationSteps;
        set
        {
            if (value is { } n && n < 2)
                throw new ArgumentOutOfRangeException(nameof(GradientAccumulationSteps), n, $"{GetType().Name}: GradientAccumulationSteps must be at least 2 (null: no accumulation), as Keras's gradient_accumulation_steps.");
            if (AccumulatedSteps > 0 && value != _accumulationSteps)
                throw new InvalidOperationException($"{GetType().Name} holds the gradients of {AccumulatedSteps} step(s) not yet applied; change GradientAccumulationSteps between updates only.");
            _accumulationSteps = value;
        }
    }

    /// <summary>Calls to Apply whose gradients are accumulated and not yet applied (0 to N − 1; 0 without accumulation).</summary>
    public int AccumulatedSteps { get; private set; }

    /// <summary>
    /// Accumulates the collected gradients, or on the N-th call turns them into the averages (in place) and
    /// resets the accumulators. Returns whether the weights are to be updated now.
    /// </summary>
    private bool AccumulateGradients()
    {
        if (_accumulationSteps is not { } n) return true;
        if (AccumulatedSteps + 1 < n)
        {
            foreach (var (p, g) in _step)
            {
                var acc = AccumulatorOf(p).Span;
                TensorPrimitives.Add(acc, g.Span, acc);
            }
            AccumulatedSteps++;
            return false;
        }
        // Keras's order: (g + accumulator) / steps, in float32.
        foreach (var (p, g) in _step)
        {
            TensorPrimitives.Add(g.Span, AccumulatorOf(p).Span, g.Span);
            TensorPrimitives.Divide(g.Span, (float)n, g.Span);
        }
        // Every accumulator starts again from zero, as Keras resets them all (also those of weights without a gradient now).
        foreach (var (_, acc) in _accumulators) acc.Span.Clear();
        foreach (var (key, _) in _pending)
            if (key.EndsWith(AccumulatorSuffix, StringComparison.Ordinal)) _pending.Remove(key);
        AccumulatedSteps = 0;
        return true;
    }

    private Tensor AccumulatorOf(Parameter p)
    {
        if (_accumulators.TryGetValue(p, out var acc)) return acc;
        acc = _pending.Remove(p.Path + AccumulatorSuffix, out var saved) ? saved : Tensor.Zeros(p.Shape);
        if (acc.Shape != p.Shape)
            throw new ShapeMismatchException($"{Name} state '{p.Path}/{AccumulatorSlot}' has shape {acc.Shape}; the parameter has {p.Shape}.");
        _accumulators[p] = acc;
        return acc;
    }

    /// <summary>Adds the accumulators and the count of accumulated calls to a state.</summary>
    private void WriteAccumulation(OptimizerState state)
    {
        if (_accumulationSteps is null) return;
        foreach (var (p, acc) in _accumulators) state.Tensors[p.Path + AccumulatorSuffix] = acc.Clone();
        state.Scalars[AccumulatedStepsScalar] = AccumulatedSteps;
    }

    /// <summary>Checks a state's accumulation against this optimizer's setting (before anything is restored).</summary>
    private int ReadAccumulatedSteps(OptimizerState state)
    {
        bool holdsAccumulators = false;
        foreach (var (key, _) in state.Tensors)
            if (key.EndsWith(AccumulatorSuffix, StringComparison.Ordinal)) holdsAccumulators = true;
        bool counted = state.Scalars.TryGetValue(AccumulatedStepsScalar, out double steps);
        if (_accumulationSteps is not { } n)
        {
            if (holdsAccumulators || (counted && steps != 0))
                throw new ArgumentException($"The state holds gradients accumulated over several steps; this {Name} optimizer has no GradientAccumulationSteps.", nameof(state));
            return 0;
        }
        if (!counted) return 0;
        if (!(steps >= 0 && steps < n && steps == Math.Floor(steps)))
            throw new ArgumentException($"The state has accumulated {steps} step(s); this {Name} optimizer applies every {n} (0 to {n - 1} can be pending).", nameof(state));
        return (int)steps;
    }

    /// <summary>Restores one accumulator of a state: into the parameter's accumulator if there is one, else kept until first use.</summary>
    private void RestoreAccumulator(string key, string path, Tensor value)
    {
        foreach (var (p, acc) in _accumulators)
        {
            if (p.Path != path) continue;
            if (acc.Shape != value.Shape)
                throw new ShapeMismatchException($"{Name} state '{key}' has shape {value.Shape}; the parameter has {acc.Shape}.");
            value.Span.CopyTo(acc.Span);
            return;
        }
        _pending[key] = value.Clone();
    }
}
