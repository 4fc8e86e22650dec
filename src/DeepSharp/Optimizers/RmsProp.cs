using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// RMSprop, Keras 3 form and defaults (lr 1e-3, ρ 0.9, momentum 0, ε 1e-7, not centered):
/// v = ρ·v + (1−ρ)·g²; w −= lr·g/√(v + ε) (ε inside the root). Centered subtracts the squared
/// running mean of g under the root; momentum accumulates the increments. 1 − ρ is rounded to float32
/// from the decimal ρ stands for, as Keras's Python float is (0.1f for ρ = 0.9f, not 1 − 0.9f).
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly string[] _slots;
    private readonly int _momentumSlot = -1, _averageSlot = -1;
    private readonly float _oneMinusRho; // as Keras's Python float rounds it: 0.1f for ρ = 0.9, not 1 − 0.9f

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="rho">Decay rate of the squared gradients' running mean, in [0, 1).</param>
    /// <param name="momentum">Weight of the previous increment, in [0, 1); 0 (the default): no momentum and no momentum slot.</param>
    /// <param name="epsilon">Added under the square root for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <param name="centered">Normalise by an estimate of the gradients' standard deviation (the root of their mean square minus their squared running mean) instead of their root mean square; adds a slot.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> or <paramref name="momentum"/> is outside [0, 1), or <paramref name="epsilon"/> is negative.</exception>
    public RmsProp(LearningRateSchedule? learningRate = null, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(learningRate ?? 1e-3f)
    {
        if (!(rho >= 0f && rho < 1f)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (Rho, Momentum, Epsilon, Centered) = (rho, momentum, epsilon, centered);
        _oneMinusRho = KerasScalars.OneMinus(rho);
        var slots = new List<string> { "velocity" };
        if (momentum > 0f) { _momentumSlot = slots.Count; slots.Add("momentum"); }
        if (centered) { _averageSlot = slots.Count; slots.Add("average_gradient"); }
        _slots = [.. slots];
    }

    /// <inheritdoc/>
    public override string Name => "rmsprop";
    /// <summary>Decay rate of the squared gradients' running mean.</summary>
    public float Rho { get; }
    /// <summary>Weight of the previous increment; 0: no momentum.</summary>
    public float Momentum { get; }
    /// <summary>Added under the square root for numerical stability.</summary>
    public float Epsilon { get; }
    /// <summary>Whether updates normalise by the gradients' estimated standard deviation rather than their root mean square.</summary>
    public bool Centered { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => _slots;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.RmsProp(weights, gradient, slots[0].Span,
            _momentumSlot < 0 ? default : slots[_momentumSlot].Span,
            _averageSlot < 0 ? default : slots[_averageSlot].Span,
            StepLearningRate, Rho, _oneMinusRho, Momentum, Epsilon, Centered);
}
