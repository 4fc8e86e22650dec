using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// FTRL-Proximal (McMahan et al. 2013), Keras 3 form and defaults (lr 1e-3, learning-rate power −0.5,
/// initial accumulator 0.1, L1, L2, L2-shrinkage and β all 0). With p = −power and l2' = l2 + β/(2·lr):
/// g' = g + 2·shrinkage·w; n' = n + g²; z += g' − (n'^p − n^p)/lr·w; w = (clip(z, −l1, l1) − z)/(n'^p/lr + 2·l2'); n = n'.
/// For wide, sparse linear models (click-through prediction); L1 sets weights to exactly 0.
/// </summary>
public sealed class Ftrl : Optimizer
{
    private static readonly string[] Slots = ["accumulator", "linear"];
    private readonly float _twoShrinkage; // 2·shrinkage, a Python double in Keras rounded once

    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="learningRatePower">How the per-weight rate falls with the accumulated squared gradients; ≤ 0 (Keras's −0.5; 0: a fixed rate).</param>
    /// <param name="initialAccumulatorValue">Where each weight's sum of squared gradients starts; non-negative (Keras's 0.1).</param>
    /// <param name="l1RegularizationStrength">L1 strength, ≥ 0: weights whose |z| stays below it are exactly 0.</param>
    /// <param name="l2RegularizationStrength">L2 (stabilisation) strength, ≥ 0.</param>
    /// <param name="l2ShrinkageRegularizationStrength">L2 penalty added to the loss (to the gradient: 2·s·w), ≥ 0.</param>
    /// <param name="beta">Added to the L2 strength as β/(2·lr) (Keras's 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">The power is positive, or a strength or the initial accumulator is negative or not finite.</exception>
    public Ftrl(LearningRateSchedule? learningRate = null, float learningRatePower = -0.5f, float initialAccumulatorValue = 0.1f,
        float l1RegularizationStrength = 0f, float l2RegularizationStrength = 0f, float l2ShrinkageRegularizationStrength = 0f, float beta = 0f)
        : base(learningRate ?? 1e-3f)
    {
        if (!(learningRatePower <= 0f && float.IsFinite(learningRatePower))) throw new ArgumentOutOfRangeException(nameof(learningRatePower), learningRatePower, "learningRatePower must be negative or zero.");
        NonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        NonNegative(l1RegularizationStrength, nameof(l1RegularizationStrength));
        NonNegative(l2RegularizationStrength, nameof(l2RegularizationStrength));
        NonNegative(l2ShrinkageRegularizationStrength, nameof(l2ShrinkageRegularizationStrength));
        if (!float.IsFinite(beta)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be finite.");
        (LearningRatePower, InitialAccumulatorValue, L1RegularizationStrength, L2RegularizationStrength, L2ShrinkageRegularizationStrength, Beta) =
            (learningRatePower, initialAccumulatorValue, l1RegularizationStrength, l2RegularizationStrength, l2ShrinkageRegularizationStrength, beta);
        _twoShrinkage = (float)(2 * KerasScalars.Decimal(l2ShrinkageRegularizationStrength));
    }

    private static void NonNegative(float value, string name)
    {
        if (!(value >= 0f && float.IsFinite(value))) throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number, positive or zero.");
    }

    /// <inheritdoc/>
    public override string Name => "ftrl";
    /// <summary>How the per-weight rate falls with the accumulated squared gradients (≤ 0).</summary>
    public float LearningRatePower { get; }
    /// <summary>Where each weight's sum of squared gradients starts.</summary>
    public float InitialAccumulatorValue { get; }
    /// <summary>L1 regularisation strength.</summary>
    public float L1RegularizationStrength { get; }
    /// <summary>L2 (stabilisation) regularisation strength.</summary>
    public float L2RegularizationStrength { get; }
    /// <summary>L2 penalty on the loss, applied to the gradient as 2·s·w.</summary>
    public float L2ShrinkageRegularizationStrength { get; }
    /// <summary>Added to the L2 strength as β/(2·lr).</summary>
    public float Beta { get; }
    /// <inheritdoc/>
    protected override IReadOnlyList<string> SlotNames => Slots;
    /// <inheritdoc/>
    protected override float SlotInitialValue(int slot) => slot == 0 ? InitialAccumulatorValue : 0f;

    /// <inheritdoc/>
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots)
    {
        var n = slots[0].Span; // accumulator
        var z = slots[1].Span; // linear
        float lr = StepLearningRate, power = -LearningRatePower, l1 = L1RegularizationStrength;
        float l2 = L2RegularizationStrength + Beta / (2f * lr);
        for (int i = 0; i < weights.Length; i++)
        {
            float g = gradient[i], w = weights[i];
            float shrunk = g + _twoShrinkage * w;
            float next = n[i] + g * g;
            float nextPow = MathF.Pow(next, power);
            z[i] += shrunk - (nextPow - MathF.Pow(n[i], power)) / lr * w;
            float quadratic = nextPow / lr + 2f * l2;
            weights[i] = (Math.Clamp(z[i], -l1, l1) - z[i]) / quadratic;
            n[i] = next;
        }
    }
}
