using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// RMSprop, Keras 3 form and defaults (lr 1e-3, ρ 0.9, momentum 0, ε 1e-7, not centered):
/// v = ρ·v + (1−ρ)·g²; w −= lr·g/√(v + ε) (ε inside the root). Centered subtracts the squared
/// running mean of g under the root; momentum accumulates the increments.
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly string[] _slots;
    private readonly int _momentumSlot = -1, _averageSlot = -1;

    public RmsProp(LearningRateSchedule? learningRate = null, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false)
        : base(learningRate ?? 1e-3f)
    {
        if (!(rho >= 0f && rho < 1f)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (Rho, Momentum, Epsilon, Centered) = (rho, momentum, epsilon, centered);
        var slots = new List<string> { "velocity" };
        if (momentum > 0f) { _momentumSlot = slots.Count; slots.Add("momentum"); }
        if (centered) { _averageSlot = slots.Count; slots.Add("average_gradient"); }
        _slots = [.. slots];
    }

    public override string Name => "rmsprop";
    public float Rho { get; }
    public float Momentum { get; }
    public float Epsilon { get; }
    public bool Centered { get; }
    protected override IReadOnlyList<string> SlotNames => _slots;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.RmsProp(weights, gradient, slots[0].Span,
            _momentumSlot < 0 ? default : slots[_momentumSlot].Span,
            _averageSlot < 0 ? default : slots[_averageSlot].Span,
            StepLearningRate, Rho, Momentum, Epsilon, Centered);
}
