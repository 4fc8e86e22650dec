using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>
/// Fit, Evaluate and Predict for models with several inputs or outputs (Keras's <c>x=[a, b]</c>,
/// <c>y=[t1, t2]</c>): one tensor per input and per output, in the order of the model's inputs and
/// outputs. One sample weight per sample applies to every output, as Keras repeats a single
/// <c>sample_weight</c>.
/// </summary>
public partial class Model
{
    /// <summary>
    /// Trains on one tensor per model input and one target per model output (Keras's
    /// <c>fit(x=[a, b], y=[t1, t2])</c>); the parameters mean what they mean for the one-tensor Fit.
    /// The logs hold "loss" (Σ lossWeights·output losses) and, for several outputs, "{output}_loss"
    /// and "{output}_{metric}".
    /// </summary>
    /// <param name="x">One tensor per model input, each with the same number of samples.</param>
    /// <param name="y">One target tensor per model output.</param>
    /// <param name="batchSize">Samples per gradient step.</param>
    /// <param name="epochs">Index of the epoch to stop before.</param>
    /// <param name="verbose">0 silent, 1 progress.</param>
    /// <param name="validationData">Inputs and targets evaluated at the end of each epoch.</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end, held out for validation.</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="classWeight">Per-class loss weights; only for a model with one output (as Keras).</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), applied to every output's loss and weighted metrics.</param>
    /// <param name="initialEpoch">Epoch to start at.</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <exception cref="ArgumentException">The number of input or target tensors differs from the model's inputs or outputs.</exception>
    /// <exception cref="ShapeMismatchException">The tensors do not share one number of samples.</exception>
    public History Fit(Tensor[] x, Tensor[] y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor[] X, Tensor[] Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null)
    {
        RequireCompiled("Fit");
        CheckTensors(x, y, "Fit");
        if (classWeight is not null && OutputCount > 1)
            throw new ArgumentException($"Fit: classWeight is only supported for a model with one output (as Keras); model '{Name}' has {OutputCount}. Use sampleWeight.", nameof(classWeight));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        Tensor? validationWeight = null;
        if (validationData is { } vd) CheckTensors(vd.X, vd.Y, "Fit validation data");
        else if (validationSplit > 0f)
        {
            int samples = x[0].Shape[0], held = (int)(samples * validationSplit), kept = samples - held;
            validationData = (Rows(x, kept, held), Rows(y, kept, held));
            validationWeight = sampleWeight?.View(-1).SliceRows(kept, held);
            (x, y, sampleWeight) = (Rows(x, 0, kept), Rows(y, 0, kept), sampleWeight?.View(-1).SliceRows(0, kept));
        }
        _shuffleGenerator ??= RandomGenerator.Global.Fork();
        var train = new DataLoader(new TensorDataset(x, y, sampleWeight), batchSize, shuffle, prefetch: 0, _shuffleGenerator);
        var validation = validationData is { } v ? new DataLoader(new TensorDataset(v.X, v.Y, validationWeight), batchSize, shuffle: false, prefetch: 0) : null;
        return Fit(train, epochs, verbose, validation, callbacks, classWeight, initialEpoch, stepsPerEpoch);
    }

    /// <summary>
    /// Loss and metrics over one tensor per model input and one target per output, in batches,
    /// without recording gradients; <paramref name="sampleWeight"/> weights the loss and the weighted metrics.
    /// </summary>
    /// <exception cref="ArgumentException">The number of input or target tensors differs from the model's inputs or outputs.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor[] x, Tensor[] y, int batchSize = 32, int verbose = 0, Tensor? sampleWeight = null)
    {
        RequireCompiled("Evaluate");
        CheckTensors(x, y, "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        return Evaluate(new DataLoader(new TensorDataset(x, y, sampleWeight), batchSize, shuffle: false, prefetch: 0), verbose);
    }

    /// <summary>
    /// The model's outputs for one tensor per input, computed in batches: one tensor per output,
    /// in the model's output order (a model with one output returns an array of one).
    /// </summary>
    /// <exception cref="ArgumentException">The number of tensors differs from the model's inputs.</exception>
    public Tensor[] Predict(Tensor[] x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        CheckInputs(x, "Predict");
        if (_graph is null) return [Predict(x[0], batchSize)];
        int samples = x[0].Shape[0];
        var results = new Tensor?[OutputCount];
        var slice = new Tensor[x.Length];
        using (NoGrad.Scope())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int count = Math.Min(batchSize, samples - start);
                using var scope = Tensor.Scope();
                for (int i = 0; i < x.Length; i++) slice[i] = x[i].SliceRows(start, count);
                var outputs = Call(slice);
                for (int o = 0; o < outputs.Count; o++)
                {
                    var yb = outputs[o];
                    var result = results[o] ??= Tensor.Empty(yb.Shape.WithoutBatch().WithBatch(samples));
                    yb.Span.CopyTo(result.Span.Slice(start * (yb.Size / count), yb.Size));
                }
            }
        }
        var final = new Tensor[results.Length];
        for (int o = 0; o < final.Length; o++)
            final[o] = results[o] ?? Tensor.Empty(_graph.Outputs[o].Shape.WithBatch(0));
        return final;
    }

    /// <summary>A training step through the general path: several inputs or outputs, or loss weights.</summary>
    private void TrainStepMany(Batch batch, IReadOnlyDictionary<int, float>? classWeight, FitRun run)
    {
        var (optimizer, _) = RequireCompiled("Fit");
        CheckBatch(batch, "Fit");
        if (classWeight is not null && OutputCount > 1)
            throw new ArgumentException($"Fit: classWeight is only supported for a model with one output (as Keras); model '{Name}' has {OutputCount}. Use sampleWeight.", nameof(classWeight));
        var weights = classWeight is null ? batch.SampleWeight : ClassWeights.Apply(batch.Y, classWeight, batch.SampleWeight);
        var outputs = Call(batch.Inputs, training: true);
        if (run.Parameters is null)
        {
            run.Parameters = Parameters.ToArray();
            run.Trainable = TrainableParameters.ToArray();
        }
        var total = TotalLoss(batch, outputs, weights);
        run.LossMean.Add(total.Item(), batch.Size);
        foreach (var p in run.Parameters) p.Value.Grad?.Span.Clear();
        total.Backward();
        optimizer.Apply(run.Trainable!);
        for (int o = 0; o < outputs.Count; o++) UpdateMetrics(o, batch.Target(o), outputs[o], weights);
    }

    /// <summary>An evaluation batch through the general path (gradients are off).</summary>
    private void EvaluateStepMany(Batch batch, RunningMean lossMean)
    {
        CheckBatch(batch, "Evaluate");
        var outputs = Call(batch.Inputs);
        lossMean.Add(TotalLoss(batch, outputs, batch.SampleWeight).Item(), batch.Size);
        for (int o = 0; o < outputs.Count; o++) UpdateMetrics(o, batch.Target(o), outputs[o], batch.SampleWeight);
    }

    /// <summary>Σ lossWeights[o]·loss[o]; records each output's unweighted loss for its "{output}_loss" log.</summary>
    private Tensor TotalLoss(Batch batch, IReadOnlyList<Tensor> outputs, Tensor? weights)
    {
        Tensor? total = null;
        for (int o = 0; o < outputs.Count; o++)
        {
            var value = _losses[o].Compute(batch.Target(o), outputs[o], weights);
            _outputLosses[o]?.Add(value.Item(), batch.Size);
            if (_lossWeights is { } lw && lw[o] != 1f) value = Ops.Affine(value, lw[o]);
            total = total is null ? value : Ops.Add(total, value);
        }
        return total!;
    }

    /// <summary>A batch must hold one tensor per model input and output, all with the batch's samples.</summary>
    private void CheckBatch(Batch batch, string caller)
    {
        if (batch.InputCount != InputCount || batch.TargetCount != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' takes {Count(InputCount, "input")} and {Count(OutputCount, "target")} " +
                $"(outputs {string.Join(", ", OutputNames)}); the batch has {Count(batch.InputCount, "input")} and {Count(batch.TargetCount, "target")}.");
        CheckSampleCounts(batch.Inputs, batch.Targets, caller);
    }

    private void CheckTensors(Tensor[] x, Tensor[] y, string caller)
    {
        ArgumentNullException.ThrowIfNull(y);
        CheckInputs(x, caller);
        foreach (var t in y) ArgumentNullException.ThrowIfNull(t, nameof(y));
        if (y.Length != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' has {Count(OutputCount, "output")} ({string.Join(", ", OutputNames)}); got {Count(y.Length, "target tensor")}.", nameof(y));
        CheckSampleCounts(x, y, caller);
    }

    private void CheckInputs(Tensor[] x, string caller)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length != InputCount)
            throw new ArgumentException($"{caller}: model '{Name}' takes {Count(InputCount, "input")}" +
                (_graph is null ? "" : $" ({_graph.InputNames()})") + $"; got {Count(x.Length, "tensor")}.", nameof(x));
        foreach (var t in x) ArgumentNullException.ThrowIfNull(t, nameof(x));
        CheckSampleCounts(x, [], caller);
    }

    private static void CheckSampleCounts(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, string caller)
    {
        int samples = x[0].Rank == 0 ? -1 : x[0].Shape[0];
        for (int i = 0; i < x.Count + y.Count; i++)
        {
            var (t, what) = i < x.Count ? (x[i], $"input {i}") : (y[i - x.Count], $"target {i - x.Count}");
            if (t.Rank == 0 || t.Shape[0] != samples)
                throw new ShapeMismatchException($"{caller}: {what} {t.Shape} does not have the {samples} samples of input 0 {x[0].Shape}.");
        }
    }

    private static Tensor[] Rows(Tensor[] tensors, int start, int count)
    {
        var rows = new Tensor[tensors.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = tensors[i].SliceRows(start, count);
        return rows;
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
