namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Sets the learning rate at the start of every epoch to schedule(epoch, current rate), as Keras's
/// LearningRateScheduler. The optimizer must use a constant rate, not a schedule object.
/// </summary>
/// <param name="schedule">Maps the zero-based epoch and the current rate to the epoch's rate.</param>
/// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
public sealed class LearningRateScheduler(Func<int, float, float> schedule) : Callback
{
    private readonly Func<int, float, float> _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    /// <inheritdoc/>
    protected internal override bool LogsLearningRate => true;

    /// <summary>Sets the optimizer's rate to the schedule's value for <paramref name="epoch"/>.</summary>
    /// <exception cref="InvalidOperationException">The optimizer follows a learning-rate schedule, whose rate cannot be set.</exception>
    public override void OnEpochBegin(int epoch)
    {
        var optimizer = Model!.Optimizer!;
        optimizer.LearningRate = _schedule(epoch, optimizer.LearningRate);
    }
}
