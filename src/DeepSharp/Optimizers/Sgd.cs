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

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 0.01.</param>
    /// <param name="momentum">Weight of the previous velocity, in [0, 1]; 0 (the default) is plain gradient descent, without a slot.</param>
    /// <param name="nesterov">Use Nesterov momentum: after updating the velocity v, step by μ·v − lr·g instead of by v.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1].</exception>
    public Sgd(LearningRateSchedule? learningRate = null, float momentum = 0f, bool nesterov = false) : base(learningRate ?? 0.01f)
    {
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public override string Name => "sgd";
    /// <summary>Weight of the previous velocity in each update; 0: plain gradient descent.</summary>
    public float Momentum { get; }
    /// <summary>Whether updates use Nesterov momentum.</summary>
    public bool Nesterov { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Momentum == 0f ? NoSlots : MomentumSlot;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Sgd(weights, gradient, slots.Length > 0 ? slots[0].Span : default, StepLearningRate, Momentum, Nesterov);
}
