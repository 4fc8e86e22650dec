namespace DeepSharp.Training.Callbacks;

/// <summary>A callback built from delegates, for one-off hooks (Keras's LambdaCallback).</summary>
public sealed class LambdaCallback : Callback
{
    /// <summary>
    /// Keras's constructor, <c>LambdaCallback(on_epoch_begin=..., on_epoch_end=..., ...)</c>: each hook sets the property
    /// of the same meaning (<c>onEpochEnd</c> is <see cref="EpochEnd"/>, <c>onTrainBatchEnd</c> is <see cref="BatchEnd"/>);
    /// the init properties (<c>new LambdaCallback { EpochEnd = ... }</c>) do the same.
    /// </summary>
    public LambdaCallback(Action<int>? onEpochBegin = null, Action<int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
        Action? onTrainBegin = null, Action<IReadOnlyDictionary<string, double>>? onTrainEnd = null,
        Action<int>? onTrainBatchBegin = null, Action<int, IReadOnlyDictionary<string, double>>? onTrainBatchEnd = null)
    {
        EpochBegin = onEpochBegin;
        EpochEnd = onEpochEnd;
        TrainBegin = onTrainBegin;
        TrainEnd = onTrainEnd;
        BatchBegin = onTrainBatchBegin;
        BatchEnd = onTrainBatchEnd;
    }

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
