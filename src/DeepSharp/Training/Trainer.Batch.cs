using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

internal sealed partial class Trainer
{
    // The loss mean of TrainOnBatch and TestOnBatch calls since the last one that reset the metrics.
    private RunningMean _batchLoss = new();

    /// <summary>
    /// Keras's train_on_batch: one <see cref="TrainStep"/> on <paramref name="batch"/> — the step Fit
    /// takes — and the logs after it. With <paramref name="resetMetrics"/> the loss and metrics are
    /// this batch's alone; without, they are running values since the last call that reset them.
    /// </summary>
    public Dictionary<string, double> TrainOnBatch(Batch batch, IReadOnlyDictionary<int, float>? classWeight, bool resetMetrics)
    {
        CheckClassWeight(classWeight);
        if (_model.DistributeStrategy is { WorldSize: > 1 } strategy)
            throw new InvalidOperationException($"TrainOnBatch trains one process only, and model '{_model.Name}' is distributed over {strategy.WorldSize} ranks: its ranks would drift apart. Use Fit (a DataLoader or FromBatches feeds it any batches).");
        StartBatchCall(resetMetrics);
        var state = new StepState { LossMean = _batchLoss };
        using (Tensor.Scope()) TrainStep(batch, classWeight, state, "TrainOnBatch");
        return CurrentLogs(_batchLoss.Value);
    }

    /// <summary>Keras's test_on_batch: the evaluation step Evaluate takes, on one batch, and the logs after it.</summary>
    public Dictionary<string, double> TestOnBatch(Batch batch, bool resetMetrics)
    {
        StartBatchCall(resetMetrics);
        using (NoGrad.Scope())
        using (Tensor.Scope())
            EvaluateStep(batch, _batchLoss, "TestOnBatch");
        return CurrentLogs(_batchLoss.Value);
    }

    private void StartBatchCall(bool resetMetrics)
    {
        if (!resetMetrics) return;
        _batchLoss = new RunningMean();
        ResetMetrics();
    }
}
