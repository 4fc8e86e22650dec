namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Hooks into Fit. Every hook does nothing by default; subclass and override what you need.
/// Set <see cref="Model.StopTraining"/> to end training after the current batch. When Fit's
/// CancellationToken is cancelled, training stops at the next step boundary and only
/// <see cref="OnTrainEnd"/> follows, with <see cref="TrainingCancelled"/> set.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained (set by Fit before OnTrainBegin).</summary>
    public Model? Model { get; internal set; }

    /// <summary>Set by Fit: epochs, steps per epoch, verbosity.</summary>
    public FitParameters? Parameters { get; internal set; }

    /// <summary>
    /// True in <see cref="OnTrainEnd"/> when Fit is stopping because its CancellationToken was
    /// cancelled (the model holds the state after the last finished step, and Fit throws
    /// <see cref="TrainingCanceledException"/> next); false otherwise. A cancelled run is not over:
    /// leave the model as it is (EarlyStopping restores no best weights then), since a checkpoint of
    /// that state may be written and resumed.
    /// </summary>
    public bool TrainingCancelled { get; internal set; }

    /// <summary>Once per Fit, before the first epoch; <see cref="Model"/> and <see cref="Parameters"/> are set. Reset per-run state here.</summary>
    public virtual void OnTrainBegin() { }
    /// <summary>
    /// Once per Fit, after the last epoch, an early stop, or a cancellation (<see cref="TrainingCancelled"/>).
    /// <paramref name="logs"/> are the last finished epoch's (empty when none finished).
    /// </summary>
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before the steps of epoch <paramref name="epoch"/> (zero-based; a resumed run starts at its checkpoint's epoch).</summary>
    public virtual void OnEpochBegin(int epoch) { }
    /// <summary>
    /// After epoch <paramref name="epoch"/> (zero-based) and its validation. <paramref name="logs"/> hold
    /// the epoch's "loss" and metrics, "val_"-prefixed validation values, and "learning_rate" when it is logged;
    /// a new dictionary each epoch, safe to keep.
    /// </summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    /// <summary>Before training step <paramref name="step"/> (zero-based within the epoch), once its batch is taken.</summary>
    public virtual void OnTrainBatchBegin(int step) { }
    /// <summary>
    /// After each training step. <paramref name="logs"/> (loss and metrics so far this epoch) is one
    /// dictionary Fit refills every step, so that steps allocate nothing: copy it to keep it.
    /// </summary>
    public virtual void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs) { }

    /// <summary>
    /// Called when Fit returns or throws, after everything else (OnTrainEnd is not called when Fit
    /// throws): for resources a callback holds for the run's duration, such as BackupAndRestore's folder lock.
    /// </summary>
    internal virtual void OnFitExit() { }

    /// <summary>Whether Fit should put the optimizer's "learning_rate" in each epoch's logs (Keras does when a callback changes it).</summary>
    protected internal virtual bool LogsLearningRate => false;
}

/// <summary>The settings of the current Fit, as callbacks see them.</summary>
public sealed record FitParameters(int Epochs, int Steps, int Verbose);
