namespace DeepSharp.Training.Callbacks;

/// <summary>Stops training as soon as a batch's loss is NaN or infinite (Keras's TerminateOnNaN).</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>The step at which a non-finite loss was seen, or null.</summary>
    public int? StoppedAtStep { get; private set; }

    /// <summary>Sets <see cref="Model.StopTraining"/> when the batch's running "loss" is NaN or ±∞.</summary>
    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue("loss", out double loss) && !double.IsFinite(loss))
        {
            StoppedAtStep = step;
            Model!.StopTraining = true;
        }
    }
}
