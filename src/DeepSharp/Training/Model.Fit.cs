using DeepSharp.Autograd;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

public abstract partial class Model
{
    private RandomGenerator? _shuffleGenerator;

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over (x, y) in mini-batches, as Keras's fit.
    /// </summary>
    /// <param name="x">Inputs; the first axis is the sample axis.</param>
    /// <param name="y">Targets with as many samples as <paramref name="x"/>.</param>
    /// <param name="batchSize">Samples per gradient step (the last batch may be smaller).</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="verbose">0 silent, 1 progress (a live line on a terminal, a line per epoch otherwise).</param>
    /// <param name="validationData">Data evaluated at the end of each epoch (val_loss, val_accuracy, ...).</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor X, Tensor Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null)
    {
        var (optimizer, loss) = RequireCompiled("Fit");
        CheckSamples(x, y, "Fit");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must not be negative.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        if (validationData is { } vd) CheckSamples(vd.X, vd.Y, "Fit validation data");
        else if (validationSplit > 0f)
        {
            int held = (int)(x.Shape[0] * validationSplit);
            int kept = x.Shape[0] - held;
            validationData = (x.SliceRows(kept, held), y.SliceRows(kept, held));
            (x, y) = (x.SliceRows(0, kept), y.SliceRows(0, kept));
        }

        int samples = x.Shape[0];
        int steps = (samples + batchSize - 1) / batchSize;
        var list = new List<Callback>(callbacks ?? []);
        if (verbose > 0) list.Add(new ProgressLogger());
        var hooks = new CallbackList(list);
        hooks.Attach(this, new FitParameters(epochs, steps, verbose));

        var history = new History();
        var order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        _shuffleGenerator ??= RandomGenerator.Global.Fork();
        StopTraining = false;
        IReadOnlyDictionary<string, double> logs = new Dictionary<string, double>();

        hooks.TrainBegin();
        for (int epoch = 0; epoch < epochs && !StopTraining; epoch++)
        {
            hooks.EpochBegin(epoch);
            if (shuffle) _shuffleGenerator.Shuffle(order);
            var lossMean = new RunningMean();
            foreach (var m in Metrics) m.Reset();
            for (int step = 0; step < steps && !StopTraining; step++)
            {
                hooks.BatchBegin(step);
                int start = step * batchSize;
                var batch = order.AsSpan(start, Math.Min(batchSize, samples - start));
                using (Tensor.Scope())
                {
                    var xb = x.GatherRows(batch);
                    var yb = y.GatherRows(batch);
                    var yPred = Call(xb, training: true);
                    var lossTensor = loss.Compute(yb, yPred);
                    lossMean.Add(lossTensor.Item(), batch.Length);
                    ZeroGradients();
                    lossTensor.Backward();
                    optimizer.Apply(TrainableParameters);
                    foreach (var m in Metrics) m.Update(yb, yPred);
                }
                hooks.BatchEnd(step, CurrentLogs(lossMean.Value));
            }
            var epochLogs = CurrentLogs(lossMean.Value);
            if (validationData is { } v)
                foreach (var (name, value) in Evaluate(v.X, v.Y, batchSize, verbose: 0)) epochLogs["val_" + name] = value;
            history.Record(epoch, epochLogs);
            logs = epochLogs;
            hooks.EpochEnd(epoch, epochLogs);
        }
        hooks.TrainEnd(logs);
        return history;
    }

    /// <summary>Loss and metrics over (x, y), computed in batches without recording gradients.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0)
    {
        var (_, loss) = RequireCompiled("Evaluate");
        CheckSamples(x, y, "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        var lossMean = new RunningMean();
        foreach (var m in Metrics) m.Reset();
        using (NoGrad.Scope())
        {
            for (int start = 0; start < x.Shape[0]; start += batchSize)
            {
                int count = Math.Min(batchSize, x.Shape[0] - start);
                using var scope = Tensor.Scope();
                var xb = x.SliceRows(start, count);
                var yb = y.SliceRows(start, count);
                var yPred = Call(xb);
                lossMean.Add(loss.Compute(yb, yPred).Item(), count);
                foreach (var m in Metrics) m.Update(yb, yPred);
            }
        }
        var result = CurrentLogs(lossMean.Value);
        if (verbose > 0) Console.WriteLine(ProgressLogger.FormatLogs(result).TrimStart(' ', '-'));
        return result;
    }

    /// <summary>The network's outputs for every sample of <paramref name="x"/>, computed in batches.</summary>
    public Tensor Predict(Tensor x, int batchSize = 32)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Predict needs a batch of inputs, got a scalar.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        int samples = x.Shape[0];
        Tensor? result = null;
        using (NoGrad.Scope())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int count = Math.Min(batchSize, samples - start);
                using var scope = Tensor.Scope();
                var yb = Call(x.SliceRows(start, count));
                result ??= Tensor.Empty(yb.Shape.WithoutBatch().WithBatch(samples));
                yb.Span.CopyTo(result.Span.Slice(start * (yb.Size / count), yb.Size));
            }
        }
        if (result is null)
        {
            if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built and got no samples to predict.");
            var outShape = LayerOutputShapes()[^1];
            result = Tensor.Empty(outShape.WithBatch(0));
        }
        return result;
    }

    private void ZeroGradients()
    {
        foreach (var p in Parameters) p.Value.Grad?.Span.Clear();
    }

    private Dictionary<string, double> CurrentLogs(double lossValue)
    {
        var logs = new Dictionary<string, double> { ["loss"] = lossValue };
        foreach (var m in Metrics) logs[m.Name] = m.Result();
        return logs;
    }

    private (Optimizers.Optimizer, Losses.Loss) RequireCompiled(string caller) =>
        Optimizer is { } o && Loss is { } l ? (o, l)
        : throw new InvalidOperationException($"{caller} needs a compiled model: call Compile(optimizer, loss, metrics) first.");

    private static void CheckSamples(Tensor x, Tensor y, string caller)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"{caller}: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"{caller}: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
    }

    /// <summary>A sample-weighted running mean (Keras's Mean metric for the loss).</summary>
    private sealed class RunningMean
    {
        private double _sum;
        private long _count;
        public void Add(double value, int weight) { _sum += value * weight; _count += weight; }
        public double Value => _count == 0 ? double.NaN : _sum / _count;
    }
}
