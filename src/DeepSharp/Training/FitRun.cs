using DeepSharp.Data;
using DeepSharp.Serialization;

namespace DeepSharp.Training;

/// <summary>
/// Where a running Fit stands, as checkpoints need it: the position (the epoch and the steps of it
/// done, the batches taken from the running data pass), the epoch's running loss and the history.
/// A callback restoring a checkpoint in OnTrainBegin sets <see cref="Resume"/>; Fit then starts there.
/// </summary>
internal sealed class FitRun(DataLoader train, History history) : StepState
{
    public DataLoader Train { get; } = train;
    public History History { get; } = history;

    /// <summary>The epoch being run, or the next one at an epoch's end.</summary>
    public int Epoch { get; set; }

    /// <summary>Steps of <see cref="Epoch"/> done.</summary>
    public int Step { get; set; }

    public long TotalSteps { get; set; }

    /// <summary>Batches taken from the running pass over the data; null when no pass is running.</summary>
    public int? PassBatch { get; set; }

    /// <summary>The logs handed to OnTrainBatchEnd: one dictionary refilled every step (callbacks copy what they keep).</summary>
    public Dictionary<string, double> BatchLogs { get; } = [];

    /// <summary>A restored checkpoint Fit has yet to start from.</summary>
    public Checkpoint? Resume { get; set; }
}

/// <summary>
/// What the training step keeps between steps: the running loss and the parameter lists. A Fit
/// keeps one for its whole run (<see cref="FitRun"/>); each <c>TrainOnBatch</c> call makes its own.
/// </summary>
internal class StepState
{
    /// <summary>The mean loss over the steps since it was last replaced (an epoch's, or the batch calls' since a reset).</summary>
    public RunningMean LossMean { get; set; } = new();

    /// <summary>The model's weights and its trainable ones, listed at the first step (the layers build there).</summary>
    public Nn.Parameter[]? Parameters { get; set; }
    public Nn.Parameter[]? Trainable { get; set; }
}
