namespace DeepSharp.Optimizers.Schedules;

/// <summary>A fixed learning rate (what a plain float becomes).</summary>
public sealed class ConstantLearningRate : LearningRateSchedule
{
    /// <param name="learningRate">The rate; positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not a positive finite number.</exception>
    public ConstantLearningRate(float learningRate)
    {
        RequirePositive(learningRate, nameof(learningRate));
        Value = learningRate;
    }

    /// <summary>The rate of every step.</summary>
    public float Value { get; }
    /// <inheritdoc/>
    public override string Name => "Constant";
    /// <inheritdoc/>
    public override float Rate(long step) => Value;
}
