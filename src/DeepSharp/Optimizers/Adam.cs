using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adam with Keras 3's defaults and update, in its float32 arithmetic: m += (g − m)·(1−β1);
/// v += (g² − v)·(1−β2); α = lr·√(1−β2^t)/(1−β1^t); w −= m·α/(√v + ε), with ε outside the bias
/// correction (PyTorch puts it inside; results differ slightly). 1 − β is taken on the decimal β stands
/// for (0.999f is 0.999) and rounded to float32 once, as Keras's Python floats are (0.001f, not 1 − 0.999f).
/// </summary>
public class Adam : Optimizer, ISlicedUpdate
{
    private static readonly string[] Slots = ["momentum", "velocity"];
    private readonly float _c1, _c2; // 1 − β1 and 1 − β2 as Keras rounds them: 0.1f and 0.001f by default

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="beta1">Decay rate of the gradients' running mean (first moment), in [0, 1).</param>
    /// <param name="beta2">Decay rate of the squared gradients' running mean (second moment), in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException">A β is outside [0, 1), or <paramref name="epsilon"/> is negative.</exception>
    public Adam(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        (_c1, _c2) = (KerasScalars.OneMinus(beta1), KerasScalars.OneMinus(beta2));
    }

    /// <inheritdoc/>
    public override string Name => "adam";
    /// <summary>Decay rate of the gradients' running mean (first moment).</summary>
    public float Beta1 { get; }
    /// <summary>Decay rate of the squared gradients' running mean (second moment).</summary>
    public float Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;

    /// <inheritdoc/>
    /// <remarks>Sealed: the step may run it as <see cref="ISlicedUpdate.UpdateSlice"/> on slices over the worker pool.</remarks>
    protected sealed override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Adam(weights, gradient, slots[0].Span, slots[1].Span, StepSize(), _c1, _c2, Epsilon);

    /// <summary>Elements [start, start + weights.Length) of one parameter; the same bits as <see cref="Update"/> on the whole.</summary>
    void ISlicedUpdate.UpdateSlice(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots, int start) =>
        OptimizerKernels.Adam(weights, gradient, slots[0].Span.Slice(start, weights.Length), slots[1].Span.Slice(start, weights.Length),
            StepSize(), _c1, _c2, Epsilon);

    /// <summary>As Keras 3 in float32: α = lr·√(1 − β2^t)/(1 − β1^t), with c1, c2 rounded once from double.</summary>
    private float StepSize()
    {
        float t = Iterations;
        return StepLearningRate * MathF.Sqrt(1f - MathF.Pow(Beta2, t)) / (1f - MathF.Pow(Beta1, t));
    }
}
