using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>
/// Fit, Evaluate and Predict for models with several inputs or outputs (Keras's <c>x=[a, b]</c>,
/// <c>y=[t1, t2]</c>): one tensor per input and per output, in the order of the model's inputs and
/// outputs. One <c>sampleWeight</c> applies to every output, as Keras repeats a single
/// <c>sample_weight</c>; <c>sampleWeights</c> gives each output its own (Keras's
/// <c>sample_weight=[w1, w2]</c>). The training and evaluation steps are in Model.MultiIO.Step.cs,
/// the argument checks in Model.MultiIO.Checks.cs.
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
    /// <param name="y">One target tensor per model output; null for an output compiled without a loss and without metrics.</param>
    /// <param name="batchSize">Samples per gradient step.</param>
    /// <param name="epochs">Index of the epoch to stop before.</param>
    /// <param name="verbose">0 silent, 1 progress.</param>
    /// <param name="validationData">Inputs and targets evaluated at the end of each epoch.</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end, held out for validation (with their sample weights).</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="classWeight">Per-class loss weights; only for a model with one output (as Keras).</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), applied to every output's loss and weighted metrics.</param>
    /// <param name="initialEpoch">Epoch to start at.</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <param name="sampleWeights">One weight tensor (samples,) per output, for that output's loss and weighted metrics; null entries leave an output unweighted. Not together with <paramref name="sampleWeight"/>.</param>
    /// <param name="validationSampleWeights">One weight tensor per output for the validation samples (null entries: unweighted), for the val_ losses and weighted metrics; only with <paramref name="validationData"/>.</param>
    /// <exception cref="ArgumentException">The number of inputs, targets or sample weights differs from the model's inputs or outputs, a target an output needs is null, or validationSampleWeights is given without validationData.</exception>
    /// <exception cref="ShapeMismatchException">The tensors or sample weights do not share one number of samples.</exception>
    public History Fit(Tensor[] x, Tensor?[] y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor[] X, Tensor?[] Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null, Tensor?[]? sampleWeights = null,
        Tensor?[]? validationSampleWeights = null)
    {
        RequireCompiled("Fit");
        CheckTensors(x, y, "Fit");
        CheckSampleWeights(sampleWeight, sampleWeights, x[0].Shape[0], "Fit");
        if (classWeight is not null && OutputCount > 1)
            throw new ArgumentException($"Fit: classWeight is only supported for a model with one output (as Keras); model '{Name}' has {OutputCount}. Use sampleWeight.", nameof(classWeight));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        Tensor? validationWeight = null;
        Tensor?[]? validationWeights = null;
        if (validationData is { } vd)
        {
            CheckTensors(vd.X, vd.Y, "Fit validation data");
            CheckSampleWeights(null, validationSampleWeights, vd.X[0].Shape[0], "Fit validation data", nameof(validationSampleWeights));
            validationWeights = validationSampleWeights;
        }
        else if (validationSampleWeights is not null)
        {
            throw new ArgumentException("Fit: validationSampleWeights weigh validationData, which was not given " +
                "(with validationSplit the held-out samples keep their sample weights).", nameof(validationSampleWeights));
        }
        else if (validationSplit > 0f)
        {
            // The held-out samples keep their weights, as Keras.
            int samples = x[0].Shape[0], held = (int)(samples * validationSplit), kept = samples - held;
            validationData = (Rows(x, kept, held), TargetRows(y, kept, held));
            validationWeight = WeightRows(sampleWeight, kept, held);
            validationWeights = sampleWeights is null ? null : WeightRows(sampleWeights, kept, held);
            (x, y) = (Rows(x, 0, kept), TargetRows(y, 0, kept));
            sampleWeight = WeightRows(sampleWeight, 0, kept);
            sampleWeights = sampleWeights is null ? null : WeightRows(sampleWeights, 0, kept);
        }
        _shuffleGenerator ??= RandomGenerator.Global.Fork();
        var train = new DataLoader(Dataset(x, y, sampleWeight, sampleWeights), batchSize, shuffle, prefetch: 0, _shuffleGenerator);
        var validation = validationData is { } v
            ? new DataLoader(Dataset(v.X, v.Y, validationWeight, validationWeights), batchSize, shuffle: false, prefetch: 0) : null;
        return Fit(train, epochs, verbose, validation, callbacks, classWeight, initialEpoch, stepsPerEpoch);
    }

    /// <summary>
    /// Loss and metrics over one tensor per model input and one target per output, in batches,
    /// without recording gradients; <paramref name="sampleWeight"/> weights every output's loss and
    /// weighted metrics, <paramref name="sampleWeights"/> each output's with its own tensor.
    /// </summary>
    /// <param name="x">One tensor per model input.</param>
    /// <param name="y">One target per output; null for an output compiled without a loss and without metrics.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="verbose">0 silent, 1 prints the results.</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), for every output.</param>
    /// <param name="sampleWeights">One weight tensor (samples,) per output (null entries: unweighted). Not together with <paramref name="sampleWeight"/>.</param>
    /// <exception cref="ArgumentException">The number of inputs, targets or sample weights differs from the model's inputs or outputs, or a target an output needs is null.</exception>
    /// <exception cref="ShapeMismatchException">The tensors or sample weights do not share one number of samples.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor[] x, Tensor?[] y, int batchSize = 32, int verbose = 0,
        Tensor? sampleWeight = null, Tensor?[]? sampleWeights = null)
    {
        RequireCompiled("Evaluate");
        CheckTensors(x, y, "Evaluate");
        CheckSampleWeights(sampleWeight, sampleWeights, x[0].Shape[0], "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        return Evaluate(new DataLoader(Dataset(x, y, sampleWeight, sampleWeights), batchSize, shuffle: false, prefetch: 0), verbose);
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

    private static TensorDataset Dataset(Tensor[] x, Tensor?[] y, Tensor? sampleWeight, Tensor?[]? sampleWeights) =>
        sampleWeights is null ? new TensorDataset(x, y, sampleWeight) : new TensorDataset(x, y, sampleWeights);

    private static Tensor[] Rows(Tensor[] tensors, int start, int count)
    {
        var rows = new Tensor[tensors.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = tensors[i].SliceRows(start, count);
        return rows;
    }

    private static Tensor?[] TargetRows(Tensor?[] targets, int start, int count)
    {
        var rows = new Tensor?[targets.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = targets[i]?.SliceRows(start, count);
        return rows;
    }

    private static Tensor?[] WeightRows(Tensor?[] weights, int start, int count)
    {
        var rows = new Tensor?[weights.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = WeightRows(weights[i], start, count);
        return rows;
    }
}
