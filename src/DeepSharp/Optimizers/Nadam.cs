using DeepSharp.Kernels.Cpu;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Nadam (Adam with Nesterov momentum), Keras 3 form and defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7).
/// With the momentum cache u_t = β1·(1 − ½·0.96^t) and its running product Π_t = u_1⋯u_t:
/// m̂ = u_{t+1}·m/(1 − Π_t·u_{t+1}) + (1 − u_t)·g/(1 − Π_t); v̂ = v/(1 − β2^t); w −= lr·m̂/(√v̂ + ε).
/// Every scalar is float32 in Keras's order (Π a float32 variable, 1 − β on the float32 β, unlike Adam).
/// </summary>
public sealed class Nadam : Optimizer
{
    private static readonly string[] Slots = ["momentum", "velocity"];
    private float _uProduct = 1f; // Π_t, a float32 variable in Keras
    private NadamStep _step;

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="beta1">Decay rate of the gradients' running mean (first moment), in [0, 1).</param>
    /// <param name="beta2">Decay rate of the squared gradients' running mean (second moment), in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException">A β is outside [0, 1), or <paramref name="epsilon"/> is negative.</exception>
    public Nadam(LearningRateSchedule? learningRate = null, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
    }

    /// <inheritdoc/>
    public override string Name => "nadam";
    /// <summary>Decay rate of the gradients' running mean (first moment).</summary>
    public float Beta1 { get; }
    /// <summary>Decay rate of the squared gradients' running mean (second moment).</summary>
    public float Beta2 { get; }
    /// <summary>Added to the denominator for numerical stability.</summary>
    public float Epsilon { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;

    /// <inheritdoc/>
    protected override void BeginStep()
    {
        // Keras 3 in float32: _backend_update_step updates Π first, then update_step reads it.
        float t = Iterations;
        float u = Beta1 * (1f - 0.5f * MathF.Pow(0.96f, t));
        float uNext = Beta1 * (1f - 0.5f * MathF.Pow(0.96f, t + 1));
        _uProduct = _uProduct * Beta1 * (1f - 0.5f * MathF.Pow(0.96f, t));
        _step = new NadamStep(StepLearningRate, 1f - Beta1, 1f - Beta2, Epsilon,
            uNext, 1f - _uProduct * uNext, 1f - u, 1f - _uProduct, 1f - MathF.Pow(Beta2, t));
    }

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Nadam(weights, gradient, slots[0].Span, slots[1].Span, _step);

    /// <inheritdoc/>
    protected override void WriteScalars(IDictionary<string, double> scalars) => scalars["u_product"] = _uProduct;

    /// <inheritdoc/>
    protected override void ReadScalars(IReadOnlyDictionary<string, double> scalars) =>
        _uProduct = scalars.TryGetValue("u_product", out var u) ? (float)u : 1f;
}
