using DeepSharp.Optimizers.Schedules;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as Keras 3's AdamW: Adam's update
/// preceded by w −= w·wd·lr, with wd = 0.004 by default.
/// </summary>
public sealed class AdamW : Adam
{
    /// <param name="learningRate">A constant rate (a float converts) or a schedule of the step; null for Keras's 1e-3.</param>
    /// <param name="weightDecay">Decoupled decay per step, scaled by the rate: w −= w·weightDecay·lr; non-negative (Keras's 0.004).</param>
    /// <param name="beta1">Decay rate of the gradients' running mean (first moment), in [0, 1).</param>
    /// <param name="beta2">Decay rate of the squared gradients' running mean (second moment), in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for numerical stability; non-negative (Keras's 1e-7).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weightDecay"/> or <paramref name="epsilon"/> is negative, or a β is outside [0, 1).</exception>
    public AdamW(LearningRateSchedule? learningRate = null, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate, beta1, beta2, epsilon)
    {
        if (!(weightDecay >= 0f)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be non-negative.");
        WeightDecay = weightDecay;
    }

    /// <inheritdoc/>
    public override string Name => "adamw";
}
