using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adagrad, Keras 3 form and defaults (lr 1e-3, initial accumulator 0.1, ε 1e-7):
/// acc += g²; w −= lr·g/√(acc + ε).
/// </summary>
public sealed class Adagrad : Optimizer
{
    private static readonly string[] Slots = ["accumulator"];

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="initialAccumulatorValue">Where each weight's sum of squared gradients starts; non-negative (Keras's 0.1).</param>
    /// <param name="epsilon">Added under the square root for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialAccumulatorValue"/> or <paramref name="epsilon"/> is negative.</exception>
    public Adagrad(LearningRateSchedule? learningRate = null, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(initialAccumulatorValue >= 0f)) throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "initialAccumulatorValue must be non-negative.");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (InitialAccumulatorValue, Epsilon) = (initialAccumulatorValue, epsilon);
    }

    /// <inheritdoc/>
    public override string Name => "adagrad";
    /// <summary>Where each weight's sum of squared gradients starts.</summary>
    public float InitialAccumulatorValue { get; }
    /// <summary>Added under the square root for numerical stability.</summary>
    public float Epsilon { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;
    /// <inheritdoc/>
    protected override float SlotInitialValue(int slot) => InitialAccumulatorValue;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Adagrad(weights, gradient, slots[0].Span, StepLearningRate, Epsilon);
}
