using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Lion (EvoLved Sign Momentum, Chen et al. 2023), Keras 3 form and defaults (lr 1e-3, β1 0.9, β2 0.99):
/// w −= lr·sign(β1·m + (1 − β1)·g); m = β2·m + (1 − β2)·g. Every step moves each weight by exactly lr
/// (or 0), so Lion wants a rate 3–10× smaller than Adam's. As Keras, 1 − β is taken on the float32 β.
/// </summary>
public sealed class Lion : Optimizer
{
    private static readonly string[] Slots = ["momentum"];

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="beta1">Weight of the momentum in the direction of this step, in (0, 1] (0 would be sign SGD, which Keras refuses).</param>
    /// <param name="beta2">Decay rate of the momentum, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta1"/> is outside (0, 1] or <paramref name="beta2"/> outside [0, 1].</exception>
    public Lion(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.99f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(beta1 > 0f && beta1 <= 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in (0, 1]; 0 makes Lion sign SGD.");
        if (!(beta2 >= 0f && beta2 <= 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1].");
        (Beta1, Beta2) = (beta1, beta2);
    }

    /// <inheritdoc/>
    public override string Name => "lion";
    /// <summary>Weight of the momentum in each step's direction.</summary>
    public float Beta1 { get; }
    /// <summary>Decay rate of the momentum.</summary>
    public float Beta2 { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Lion(weights, gradient, slots[0].Span, StepLearningRate, Beta1, Beta2, 1f - Beta1, 1f - Beta2);
}
