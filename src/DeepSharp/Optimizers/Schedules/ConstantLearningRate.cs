namespace DeepSharp.Optimizers.Schedules;

/// <summary>A fixed learning rate (what a plain float becomes).</summary>
public sealed class ConstantLearningRate : LearningRateSchedule
{
    public ConstantLearningRate(float learningRate)
    {
        RequirePositive(learningRate, nameof(learningRate));
        Value = learningRate;
    }

    public float Value { get; }
    public override string Name => "Constant";
    public override float Rate(long step) => Value;
}
