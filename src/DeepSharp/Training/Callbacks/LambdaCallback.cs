namespace DeepSharp.Training.Callbacks;

/// <summary>A callback built from delegates, for one-off hooks (Keras's LambdaCallback).</summary>
public sealed class LambdaCallback : Callback
{
    /// <summary>Runs as <see cref="Callback.OnTrainBegin"/>; null: nothing.</summary>
    public Action? TrainBegin { get; init; }
    /// <summary>Runs as <see cref="Callback.OnTrainEnd"/> with the last epoch's logs; null: nothing.</summary>
    public Action<IReadOnlyDictionary<string, double>>? TrainEnd { get; init; }
    /// <summary>Runs as <see cref="Callback.OnEpochBegin"/> with the zero-based epoch; null: nothing.</summary>
    public Action<int>? EpochBegin { get; init; }
    /// <summary>Runs as <see cref="Callback.OnEpochEnd"/> with the epoch and its logs; null: nothing.</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? EpochEnd { get; init; }
    /// <summary>Runs as <see cref="Callback.OnTrainBatchBegin"/> with the step in the epoch; null: nothing.</summary>
    public Action<int>? BatchBegin { get; init; }
    /// <summary>Runs as <see cref="Callback.OnTrainBatchEnd"/> with the step and the running logs (refilled every step: copy to keep); null: nothing.</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? BatchEnd { get; init; }

    /// <inheritdoc/>
    public override void OnTrainBegin() => TrainBegin?.Invoke();
    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs) => TrainEnd?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch) => EpochBegin?.Invoke(epoch);
    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => EpochEnd?.Invoke(epoch, logs);
    /// <inheritdoc/>
    public override void OnTrainBatchBegin(int step) => BatchBegin?.Invoke(step);
    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs) => BatchEnd?.Invoke(step, logs);
}
