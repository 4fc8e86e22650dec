namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Sets the learning rate at the start of every epoch to schedule(epoch, current rate), as Keras's
/// LearningRateScheduler. The optimizer must use a constant rate, not a schedule object.
/// </summary>
public sealed class LearningRateScheduler(Func<int, float, float> schedule) : Callback
{
    private readonly Func<int, float, float> _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    protected internal override bool LogsLearningRate => true;

    public override void OnEpochBegin(int epoch)
    {
        var optimizer = Model!.Optimizer!;
        optimizer.LearningRate = _schedule(epoch, optimizer.LearningRate);
    }
}
