using DeepSharp.Optimizers.Schedules;

namespace DeepSharp.Optimizers;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as Keras 3's AdamW: Adam's update
/// preceded by w −= w·wd·lr, with wd = 0.004 by default.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(LearningRateSchedule? learningRate = null, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate, beta1, beta2, epsilon)
    {
        if (!(weightDecay >= 0f)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weightDecay must be non-negative.");
        WeightDecay = weightDecay;
    }

    public override string Name => "adamw";
}
