namespace DeepSharp.Optimizers.Schedules;

/// <summary>
/// A learning rate as a function of the optimizer's step (the number of updates applied so far,
/// starting at 0), as Keras's LearningRateSchedule. A float converts implicitly to a constant rate,
/// so every optimizer accepts either wherever a learning rate goes.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate for the update that follows <c>step</c> finished updates.</summary>
    public abstract float Rate(long step);

    /// <summary>Keras's class name, e.g. "ExponentialDecay" (config boundary only).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The settings a model file keeps for a schedule of your own (Keras's <c>get_config</c>), which the
    /// factory given to <c>CustomObjects.AddSchedule</c> reads back; the file names the class by
    /// <see cref="Name"/>. Empty by default. DeepSharp's own schedules are written by the library.
    /// </summary>
    public virtual System.Text.Json.Nodes.JsonObject GetConfig() => [];

    /// <summary>A constant schedule, so that a plain float goes wherever a schedule does (<c>new Adam(1e-4f)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not a positive finite number.</exception>
    public static implicit operator LearningRateSchedule(float learningRate) => new ConstantLearningRate(learningRate);

    internal static void RequirePositive(float value, string name)
    {
        if (!(value > 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
    }

    internal static void RequireNonNegative(float value, string name)
    {
        if (!(value >= 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a non-negative finite number.");
    }
}
