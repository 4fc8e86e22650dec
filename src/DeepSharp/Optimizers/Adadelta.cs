using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adadelta (Zeiler 2012), Keras 3 form and defaults (lr 1e-3, ρ 0.95, ε 1e-7): a = ρ·a + (1 − ρ)·g²;
/// Δ = −√(d + ε)·g/√(a + ε); d = ρ·d + (1 − ρ)·Δ²; w += lr·Δ. Keras keeps the learning rate (the paper
/// has none: pass 1 for the paper's update). 1 − ρ is rounded once from the decimal ρ stands for, as Keras's Python float.
/// </summary>
public sealed class Adadelta : Optimizer
{
    private static readonly string[] Slots = ["accumulated_grad", "accumulated_delta_var"];
    private readonly float _oneMinusRho;

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="rho">Decay rate of both running means (squared gradients and squared updates), in [0, 1).</param>
    /// <param name="epsilon">Added under both square roots; non-negative (Keras's 1e-7). With ε = 0 the first update is 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> is outside [0, 1), or <paramref name="epsilon"/> is negative.</exception>
    public Adadelta(LearningRateSchedule? learningRate = null, float rho = 0.95f, float epsilon = 1e-7f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(rho >= 0f && rho < 1f)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be non-negative.");
        (Rho, Epsilon) = (rho, epsilon);
        _oneMinusRho = KerasScalars.OneMinus(rho);
    }

    /// <inheritdoc/>
    public override string Name => "adadelta";
    /// <summary>Decay rate of the running means of squared gradients and squared updates.</summary>
    public float Rho { get; }
    /// <summary>Added under both square roots for numerical stability.</summary>
    public float Epsilon { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots)
    {
        var a = slots[0].Span; // running mean of g²
        var d = slots[1].Span; // running mean of Δ²
        float lr = StepLearningRate;
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i];
            a[i] = Rho * a[i] + _oneMinusRho * (g * g);
            float delta = -(MathF.Sqrt(d[i] + Epsilon) * g / MathF.Sqrt(a[i] + Epsilon));
            d[i] = Rho * d[i] + _oneMinusRho * (delta * delta);
            weights[i] += lr * delta;
        }
    }
}
