using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adamax (Adam on the infinity norm, Kingma &amp; Ba §7.1), Keras 3 form and defaults (lr 1e-3, β1 0.9,
/// β2 0.999, ε 1e-7): m += (g − m)·(1 − β1); u = max(β2·u, |g|); w −= lr·m/((1 − β1^t)·(u + ε)).
/// In Keras's float32 order: 1 − β1 rounded once from the decimal β1 stands for, β1^t on the float32 β1.
/// </summary>
public sealed class Adamax : Optimizer
{
    private static readonly string[] Slots = ["momentum", "norm"];
    private readonly float _c1; // 1 − β1 as Keras's Python float rounds it
    private float _bias;        // 1 − β1^t of the step being applied

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="beta1">Decay rate of the gradients' running mean, in [0, 1).</param>
    /// <param name="beta2">Decay rate of the running infinity norm, in [0, 1).</param>
    /// <param name="epsilon">Added to the norm for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException">A β is outside [0, 1), or <paramref name="epsilon"/> is negative.</exception>
    public Adamax(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
        _c1 = KerasScalars.OneMinus(beta1);
    }

    /// <inheritdoc/>
    public override string Name => "adamax";
    /// <summary>Decay rate of the gradients' running mean (first moment).</summary>
    public float Beta1 { get; }
    /// <summary>Decay rate of the running infinity norm of the gradients.</summary>
    public float Beta2 { get; }
    /// <summary>Added to the norm for numerical stability.</summary>
    public float Epsilon { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;

    /// <inheritdoc/>
    protected override void BeginStep() => _bias = 1f - MathF.Pow(Beta1, Iterations);

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Adamax(weights, gradient, slots[0].Span, slots[1].Span, StepLearningRate, _c1, Beta2, Epsilon, _bias);
}
