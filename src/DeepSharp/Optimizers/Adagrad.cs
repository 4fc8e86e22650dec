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

    public Adagrad(LearningRateSchedule? learningRate = null, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(initialAccumulatorValue >= 0f)) throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "initialAccumulatorValue must be non-negative.");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (InitialAccumulatorValue, Epsilon) = (initialAccumulatorValue, epsilon);
    }

    public override string Name => "adagrad";
    public float InitialAccumulatorValue { get; }
    public float Epsilon { get; }
    protected override IReadOnlyList<string> SlotNames => Slots;
    protected override float SlotInitialValue(int slot) => InitialAccumulatorValue;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Adagrad(weights, gradient, slots[0].Span, StepLearningRate, Epsilon);
}
