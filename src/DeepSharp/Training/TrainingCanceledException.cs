namespace DeepSharp.Training;

/// <summary>
/// Thrown by Fit when its <see cref="CancellationToken"/> is cancelled: training stopped at a step
/// boundary, after the callbacks' OnTrainEnd ran (so <see cref="Callbacks.BackupAndRestore"/> has
/// written its checkpoint of the last finished step, and a Fit started again with the same folder
/// resumes there exactly). The model and its optimizer hold the state after that step. An
/// <see cref="OperationCanceledException"/>, as .NET's cancellation contract wants, that also
/// carries what Fit would have returned so far.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <param name="history">The epochs finished before the stop.</param>
    /// <param name="epoch">The zero-based epoch training stopped in.</param>
    /// <param name="step">Steps of that epoch finished before the stop.</param>
    /// <param name="token">The token whose cancellation stopped Fit.</param>
    public TrainingCanceledException(History history, int epoch, int step, CancellationToken token)
        : base($"Fit was cancelled in epoch {epoch + 1}, after {step} of its steps; the model holds the weights of the last finished step.", token)
    {
        History = history;
        (Epoch, Step) = (epoch, step);
    }

    /// <summary>The epochs finished before the stop, as Fit returns them.</summary>
    public History History { get; }

    /// <summary>The epoch (zero-based) training stopped in; after an epoch's end, the next one, with <see cref="Step"/> 0.</summary>
    public int Epoch { get; }

    /// <summary>Steps of <see cref="Epoch"/> finished before the stop.</summary>
    public int Step { get; }
}
