using DeepSharp.Nn;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Updates parameters from their gradients, as Keras 3's optimizer: each step (1) clips the
/// gradients if <see cref="ClipNorm"/>, <see cref="ClipValue"/> or <see cref="GlobalClipNorm"/> is set
/// (at most one; clipping rewrites .Grad in place), (2) applies decoupled weight decay
/// w −= w·wd·lr when <see cref="WeightDecay"/> is set, (3) runs the optimizer's own update. With
/// <see cref="GradientAccumulationSteps"/> N, N − 1 calls only accumulate and the N-th does all of this with the average.
/// Per-parameter state (slots such as Adam's moments) is created on first use and kept by parameter.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Dictionary<Parameter, Tensor[]> _slots = new(ReferenceEqualityComparer.Instance);
    private LearningRateSchedule _schedule;
    private readonly List<(Parameter Parameter, Tensor Grad)> _step = [];

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step.</param>
    /// <exception cref="ArgumentNullException"><paramref name="learningRate"/> is null.</exception>
    protected Optimizer(LearningRateSchedule learningRate) =>
        _schedule = learningRate ?? throw new ArgumentNullException(nameof(learningRate));

    /// <summary>Keras's name, e.g. "adam".</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The rate the next update uses. Setting it replaces a constant rate (what LearningRateScheduler
    /// and ReduceLROnPlateau do); an optimizer built with a schedule refuses, as Keras does.
    /// </summary>
    public float LearningRate
    {
        get => _schedule.Rate(Iterations);
        set
        {
            if (_schedule is not ConstantLearningRate)
                throw new InvalidOperationException($"{GetType().Name} follows a {_schedule.Name} schedule; its learning rate cannot be set.");
            _schedule = new ConstantLearningRate(value);
        }
    }

    /// <summary>The rate as a function of the step (a <see cref="ConstantLearningRate"/> for a plain float).</summary>
    public LearningRateSchedule Schedule => _schedule;

    /// <summary>Number of update steps applied so far.</summary>
    public long Iterations { get; private set; }

    /// <summary>Clips each parameter's gradient to this L2 norm: g·c/max(‖g‖, c).</summary>
    public float? ClipNorm { get => _clipNorm; init => _clipNorm = value; }

    /// <summary>Clips each gradient element into [−c, c].</summary>
    public float? ClipValue { get => _clipValue; init => _clipValue = value; }

    /// <summary>Scales all gradients together so that their joint L2 norm is at most c.</summary>
    public float? GlobalClipNorm { get => _globalClipNorm; init => _globalClipNorm = value; }

    /// <summary>Decoupled weight decay: w −= w·wd·lr before each update (Keras 3, every optimizer).</summary>
    public float? WeightDecay { get => _weightDecay; init => _weightDecay = value; }

    /// <summary>The rate of the update being applied (valid inside <see cref="Update"/>).</summary>
    protected float StepLearningRate { get; private set; }

    /// <summary>Applies one update to every trainable parameter that has a gradient.</summary>
    public void Apply(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _step.Clear();
        foreach (var p in parameters)
            if (p.Trainable && p.Value.Grad is { } grad) _step.Add((p, grad));
        ApplyCollected();
    }

    /// <summary>As <see cref="Apply(IEnumerable{Parameter})"/>, without an enumerator (Fit's per-step path).</summary>
    public void Apply(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _step.Clear();
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is { Trainable: true, Value.Grad: { } grad } p) _step.Add((p, grad));
        ApplyCollected();
    }

    /// <summary>
    /// Keras's <c>apply_gradients(zip(grads, vars))</c>: one update of each trainable parameter from the gradient paired
    /// with it, for custom training loops that compute gradients themselves. Like .Grad in <see cref="Apply(IEnumerable{Parameter})"/>,
    /// the gradients are rewritten in place by clipping and by <see cref="GradientAccumulationSteps"/>' averaging.
    /// </summary>
    /// <exception cref="ShapeMismatchException">A gradient's shape is not its parameter's.</exception>
    public void ApplyGradients(IEnumerable<(Tensor Gradient, Parameter Parameter)> gradientsAndParameters)
    {
        ArgumentNullException.ThrowIfNull(gradientsAndParameters);
        _step.Clear();
        foreach (var (grad, p) in gradientsAndParameters)
        {
            ArgumentNullException.ThrowIfNull(grad);
            ArgumentNullException.ThrowIfNull(p);
            if (grad.Shape != p.Shape || grad.DType != DType.Float32)
            {
                _step.Clear();
                throw new ShapeMismatchException($"{Name}.ApplyGradients: the gradient for '{p.Path}' is {grad.DType} {grad.Shape}; the parameter is {DType.Float32} {p.Shape}.");
            }
            if (p.Trainable) _step.Add((p, grad));
        }
        ApplyCollected();
    }

    private void ApplyCollected()
    {
        CheckClipping();
        // A pruned weight's gradient is zeroed before clipping and the update, so clipping norms and
        // the optimizer's moments never see it; the weight is masked again after the constraint.
        foreach (var (p, grad) in _step)
            if (p.PruningMask is { } mask) System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Span, mask.Span, grad.Span);
        if (!AccumulateGradients())
        {
            _step.Clear();
            return;
        }
        StepLearningRate = _schedule.Rate(Iterations);
        GradientClipping.Clip(_step, ClipNorm, ClipValue, GlobalClipNorm);
        Iterations++;
        BeginStep();
        UpdateStepParameters(WeightDecay ?? 0f);
        // Keras applies each weight's constraint after the update, never to the gradient.
        foreach (var (p, _) in _step)
        {
            p.Constraint?.Apply(p.Value);
            if (p.PruningMask is { } mask) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Value.Span, mask.Span, p.Value.Span);
        }
        _step.Clear();
    }

    /// <summary>Slot names, Keras's ("momentum", "velocity"), one per state tensor kept per parameter.</summary>
    protected abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>The value a new slot starts at (0 unless overridden; Adagrad uses its initial accumulator).</summary>
    protected virtual float SlotInitialValue(int slot) => 0f;

    /// <summary>Called once per step after <see cref="Iterations"/> counts it, before the per-parameter updates.</summary>
    protected virtual void BeginStep() { }

    /// <summary>Updates one parameter in place. <see cref="Iterations"/> already counts this step.</summary>
    protected abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots);

    private Tensor[] SlotsOf(Parameter p)
    {
        if (_slots.TryGetValue(p, out var slots)) return slots;
        slots = new Tensor[SlotNames.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = _pending.Remove(SlotKey(p.Path, i), out var saved) ? saved : Tensor.Full(p.Shape, SlotInitialValue(i));
            if (slots[i].Shape != p.Shape)
                throw new ShapeMismatchException($"{Name} state '{SlotKey(p.Path, i)}' has shape {slots[i].Shape}; the parameter has {p.Shape}.");
        }
        _slots[p] = slots;
        return slots;
    }

    private void CheckClipping()
    {
        int set = (ClipNorm is null ? 0 : 1) + (ClipValue is null ? 0 : 1) + (GlobalClipNorm is null ? 0 : 1);
        if (set > 1) throw new InvalidOperationException($"{GetType().Name}: set at most one of ClipNorm, ClipValue and GlobalClipNorm (as Keras).");
        CheckPositive(ClipNorm, nameof(ClipNorm));
        CheckPositive(ClipValue, nameof(ClipValue));
        CheckPositive(GlobalClipNorm, nameof(GlobalClipNorm));
    }

    private void CheckPositive(float? value, string name)
    {
        if (value is { } v && !(v > 0f)) throw new InvalidOperationException($"{GetType().Name}: {name} must be positive, got {v}.");
    }
}
