using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

internal sealed partial class Trainer
{
    // The one-input, one-output forward pass writes here, so that its step allocates no lists.
    private readonly Tensor[] _oneOutput = new Tensor[1];
    private readonly Tensor?[] _oneMask = new Tensor?[1];

    /// <summary>
    /// The training step, for every model and every kind of data: forward (training) → loss (Σ loss
    /// weights·output losses) → zero the gradients → backward, telling <see cref="GradientHooks"/>
    /// when each gradient is final → optimizer → metrics. Fit and TrainOnBatch both train through it.
    /// </summary>
    private void TrainStep(Batch batch, IReadOnlyDictionary<int, float>? classWeight, StepState run, string caller = "Fit")
    {
        if (_parallel is not null)
        {
            ParallelStep(batch, classWeight, run, caller); // data-parallel Fit (Trainer.DataParallel.cs)
            return;
        }
        CheckBatch(batch, caller);
        // Class weights (one output only) replace that output's sample weights by the combined ones.
        var classWeighted = classWeight is null ? null : ClassWeights.Apply(batch.Y, classWeight, batch.SampleWeight);
        var (outputs, masks) = Forward(batch, training: true);
        // The weights exist once the first batch has built the layers; listed once per Fit, as
        // Keras fixes the trainable set at compile time.
        if (run.Parameters is null)
        {
            run.Parameters = _model.Parameters.ToArray();
            run.Trainable = _model.TrainableParameters.ToArray();
            _regularized = null;
        }
        var loss = TotalLoss(batch, outputs, masks, classWeighted, caller);
        run.LossMean.Add(loss.Item(), batch.Size);
        foreach (var p in run.Parameters) p.Value.Grad?.Span.Clear();
        Backward(loss, run.Trainable!);
        Optimizer.Apply(run.Trainable!);
        UpdateMetrics(batch, outputs, masks, classWeighted);
        ForgetOutputs();
    }

    /// <summary>Loss and metrics over every batch of <paramref name="data"/>, without recording gradients.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    public Dictionary<string, double> Evaluate(DataLoader data, int verbose, CancellationToken cancellationToken)
    {
        if (CanShardEvaluation()) return ParallelEvaluate(data, verbose, cancellationToken); // validation in a data-parallel Fit
        var lossMean = new RunningMean();
        ResetMetrics();
        using (NoGrad.Scope())
        {
            using var batches = data.Pass().GetEnumerator();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = Tensor.Scope();
                if (!batches.MoveNext()) break;
                EvaluateStep(batches.Current, lossMean, "Evaluate");
            }
        }
        var result = CurrentLogs(lossMean.Value);
        if (verbose > 0) Console.WriteLine(ProgressLogger.FormatLogs(result).TrimStart(' ', '-'));
        return result;
    }

    /// <summary>The evaluation step (inside NoGrad and a tensor scope): forward (inference) → loss → metrics. Evaluate and TestOnBatch both use it.</summary>
    private void EvaluateStep(Batch batch, RunningMean lossMean, string caller)
    {
        CheckBatch(batch, caller);
        var (outputs, masks) = Forward(batch, training: false);
        lossMean.Add(TotalLoss(batch, outputs, masks, null, caller).Item(), batch.Size);
        UpdateMetrics(batch, outputs, masks, null);
        ForgetOutputs();
    }

    /// <summary>
    /// The model's outputs and their masks on the batch; a one-input, one-output model fills reused
    /// arrays. The layers' activity penalties are collected meanwhile (Trainer.Regularization.cs).
    /// </summary>
    private (IReadOnlyList<Tensor> Outputs, Tensor?[] Masks) Forward(Batch batch, bool training)
    {
        ActivityLosses.Begin();
        try
        {
            if (batch.InputCount == 1 && _model.InputCount == 1 && _model.OutputCount == 1)
            {
                (_oneOutput[0], _oneMask[0]) = _model.CallWithMask(batch.X, training);
                return (_oneOutput, _oneMask);
            }
            var outputs = _model.CallWithMasks(batch.Inputs, training, out var masks);
            return (outputs, masks);
        }
        finally
        {
            _activityLoss = ActivityLosses.End();
        }
    }

    /// <summary>Drops the step's outputs from the reused arrays (they are pooled temporaries).</summary>
    private void ForgetOutputs()
    {
        _oneOutput[0] = null!;
        _oneMask[0] = null;
        _activityLoss = null;
    }

    /// <summary>
    /// Σ lossWeights[o]·loss[o] over the outputs that have a loss, each weighted by its own sample
    /// weights (or <paramref name="classWeighted"/>) and masked by its own mask; records each output's
    /// loss before its loss weight for its "{output}_loss" log. With one output and weight 1 this is
    /// that output's loss itself. The regularization penalties are added last, as Keras's compute_loss
    /// adds <c>model.losses</c>.
    /// </summary>
    private Tensor TotalLoss(Batch batch, IReadOnlyList<Tensor> outputs, Tensor?[] masks, Tensor? classWeighted, string caller)
    {
        Tensor? total = null;
        for (int o = 0; o < outputs.Count; o++)
        {
            if (_losses[o] is not { } loss) continue;
            var target = batch.Target(o) ?? throw MissingTarget(o, caller);
            var value = loss.Compute(target, outputs[o], classWeighted ?? batch.SampleWeightOf(o), masks[o]);
            _outputLosses[o]?.Add(value.Item(), batch.Size);
            if (_lossWeights is { } lw && lw[o] != 1f) value = Ops.Affine(value, lw[o]);
            total = total is null ? value : Ops.Add(total, value);
        }
        return WithRegularization(total ?? throw new InvalidOperationException($"Model '{_model.Name}': no output has a loss."));
    }

    /// <summary>
    /// Updates each output's metrics: plain ones unweighted, weighted ones with its sample weights (or
    /// <paramref name="classWeighted"/>); all with the output's mask (Keras 3 passes it to every metric).
    /// </summary>
    private void UpdateMetrics(Batch batch, IReadOnlyList<Tensor> outputs, Tensor?[] masks, Tensor? classWeighted)
    {
        for (int o = 0; o < outputs.Count; o++)
        {
            if (batch.Target(o) is not { } target) continue;
            var weights = classWeighted ?? batch.SampleWeightOf(o);
            foreach (var c in _compiled)
            {
                if (c.Output != o || c.Role == MetricRole.OutputLoss) continue;
                c.Metric.Update(target, outputs[o], c.Role == MetricRole.Weighted ? weights : null, masks[o]);
            }
        }
    }

    private void ResetMetrics()
    {
        foreach (var c in _compiled) c.Metric.Reset();
    }

    private Dictionary<string, double> CurrentLogs(double lossValue) => FillLogs([], lossValue);

    /// <summary>Puts the loss and every metric's result into <paramref name="logs"/> (cleared first).</summary>
    private Dictionary<string, double> FillLogs(Dictionary<string, double> logs, double lossValue)
    {
        logs.Clear();
        logs["loss"] = lossValue;
        foreach (var c in _compiled) logs[c.LogName] = c.Metric.Result(); // an array: no enumerator allocated
        return logs;
    }

    /// <summary>
    /// A batch must hold one tensor per model input and output, all with the batch's samples, and
    /// the targets the outputs need. A one-tensor batch is checked without building lists.
    /// </summary>
    private void CheckBatch(Batch batch, string caller)
    {
        if (batch.InputCount != _model.InputCount || batch.TargetCount != _model.OutputCount)
            throw new ArgumentException($"{caller}: model '{_model.Name}' takes {Model.Count(_model.InputCount, "input")} and {Model.Count(_model.OutputCount, "target")} " +
                $"(outputs {string.Join(", ", _model.OutputNames)}); the batch has {Model.Count(batch.InputCount, "input")} and {Model.Count(batch.TargetCount, "target")}.");
        for (int o = 0; o < _needsTarget.Length; o++)
            if (_needsTarget[o] && batch.Target(o) is null) throw MissingTarget(o, caller);
        if (batch.InputCount == 1 && batch.TargetCount == 1) Model.CheckSamples(batch.X, batch.Y, caller);
        else Model.CheckSampleCounts(batch.Inputs, batch.Targets, caller);
    }
}
