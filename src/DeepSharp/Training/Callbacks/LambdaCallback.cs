namespace DeepSharp.Training.Callbacks;

/// <summary>A callback built from delegates, for one-off hooks (Keras's LambdaCallback).</summary>
public sealed class LambdaCallback : Callback
{
    public Action? TrainBegin { get; init; }
    public Action<IReadOnlyDictionary<string, double>>? TrainEnd { get; init; }
    public Action<int>? EpochBegin { get; init; }
    public Action<int, IReadOnlyDictionary<string, double>>? EpochEnd { get; init; }
    public Action<int>? BatchBegin { get; init; }
    public Action<int, IReadOnlyDictionary<string, double>>? BatchEnd { get; init; }

    public override void OnTrainBegin() => TrainBegin?.Invoke();
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs) => TrainEnd?.Invoke(logs);
    public override void OnEpochBegin(int epoch) => EpochBegin?.Invoke(epoch);
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => EpochEnd?.Invoke(epoch, logs);
    public override void OnTrainBatchBegin(int step) => BatchBegin?.Invoke(step);
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs) => BatchEnd?.Invoke(step, logs);
}
