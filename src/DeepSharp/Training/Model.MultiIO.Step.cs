using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>A training step through the general path: several inputs or outputs, or loss weights.</summary>
    private void TrainStepMany(Batch batch, IReadOnlyDictionary<int, float>? classWeight, FitRun run)
    {
        var optimizer = RequireCompiled("Fit");
        CheckBatch(batch, "Fit");
        if (classWeight is not null && OutputCount > 1)
            throw new ArgumentException($"Fit: classWeight is only supported for a model with one output (as Keras); model '{Name}' has {OutputCount}. Use sampleWeight.", nameof(classWeight));
        // Class weights (one output only) replace the batch's weights of that output by the combined ones.
        var classWeighted = classWeight is null ? null : ClassWeights.Apply(batch.Y, classWeight, batch.SampleWeight);
        var outputs = CallWithMasks(batch.Inputs, training: true, out var masks);
        if (run.Parameters is null)
        {
            run.Parameters = Parameters.ToArray();
            run.Trainable = TrainableParameters.ToArray();
        }
        var total = TotalLoss(batch, outputs, masks, classWeighted);
        run.LossMean.Add(total.Item(), batch.Size);
        foreach (var p in run.Parameters) p.Value.Grad?.Span.Clear();
        total.Backward();
        optimizer.Apply(run.Trainable!);
        for (int o = 0; o < outputs.Count; o++)
            if (batch.Target(o) is { } target) UpdateMetrics(o, target, outputs[o], classWeighted ?? batch.SampleWeightOf(o), masks[o]);
    }

    /// <summary>An evaluation batch through the general path (gradients are off).</summary>
    private void EvaluateStepMany(Batch batch, RunningMean lossMean)
    {
        CheckBatch(batch, "Evaluate");
        var outputs = CallWithMasks(batch.Inputs, training: false, out var masks);
        lossMean.Add(TotalLoss(batch, outputs, masks, null).Item(), batch.Size);
        for (int o = 0; o < outputs.Count; o++)
            if (batch.Target(o) is { } target) UpdateMetrics(o, target, outputs[o], batch.SampleWeightOf(o), masks[o]);
    }

    /// <summary>
    /// Σ lossWeights[o]·loss[o] over the outputs that have a loss, each weighted by its own sample
    /// weights (or <paramref name="classWeighted"/>) and masked by its own mask; records each output's
    /// loss before its loss weight for its "{output}_loss" log.
    /// </summary>
    private Tensor TotalLoss(Batch batch, IReadOnlyList<Tensor> outputs, Tensor?[] masks, Tensor? classWeighted)
    {
        Tensor? total = null;
        for (int o = 0; o < outputs.Count; o++)
        {
            if (_losses[o] is not { } loss) continue;
            var target = batch.Target(o) ?? throw MissingTarget(o, "Fit");
            var value = loss.Compute(target, outputs[o], classWeighted ?? batch.SampleWeightOf(o), masks[o]);
            _outputLosses[o]?.Add(value.Item(), batch.Size);
            if (_lossWeights is { } lw && lw[o] != 1f) value = Ops.Affine(value, lw[o]);
            total = total is null ? value : Ops.Add(total, value);
        }
        return total ?? throw new InvalidOperationException($"Model '{Name}': no output has a loss.");
    }
}
