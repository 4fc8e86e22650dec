using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Stochastic gradient descent, Keras 3 form: with momentum μ, v = μ·v − lr·g and w += v, or
/// with Nesterov w += μ·v − lr·g.
/// </summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] NoSlots = [];
    private static readonly string[] MomentumSlot = ["momentum"];

    public Sgd(LearningRateSchedule? learningRate = null, float momentum = 0f, bool nesterov = false) : base(learningRate ?? 0.01f)
    {
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public override string Name => "sgd";
    public float Momentum { get; }
    public bool Nesterov { get; }
    protected override IReadOnlyList<string> SlotNames => Momentum == 0f ? NoSlots : MomentumSlot;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Sgd(weights, gradient, slots.Length > 0 ? slots[0].Span : default, StepLearningRate, Momentum, Nesterov);
}
