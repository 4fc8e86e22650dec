namespace DeepSharp.Training.Callbacks;

/// <summary>Forwards each hook to every callback in order.</summary>
internal sealed class CallbackList(IReadOnlyList<Callback> callbacks)
{
    public void Attach(Model model, FitParameters parameters)
    {
        foreach (var c in callbacks)
        {
            c.Model = model;
            c.Parameters = parameters;
            c.TrainingCancelled = false;
        }
    }

    public void TrainBegin() { foreach (var c in callbacks) c.OnTrainBegin(); }
    public void TrainEnd(IReadOnlyDictionary<string, double> logs, bool cancelled)
    {
        foreach (var c in callbacks) c.TrainingCancelled = cancelled;
        foreach (var c in callbacks) c.OnTrainEnd(logs);
    }

    public void FitExit() { foreach (var c in callbacks) c.OnFitExit(); }

    public void EpochBegin(int epoch) { foreach (var c in callbacks) c.OnEpochBegin(epoch); }
    public void EpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { foreach (var c in callbacks) c.OnEpochEnd(epoch, logs); }
    // Per-step hooks index the list: a foreach over the interface would allocate an enumerator per call.
    public void BatchBegin(int step) { for (int i = 0; i < callbacks.Count; i++) callbacks[i].OnTrainBatchBegin(step); }
    public void BatchEnd(int step, IReadOnlyDictionary<string, double> logs) { for (int i = 0; i < callbacks.Count; i++) callbacks[i].OnTrainBatchEnd(step, logs); }
}
