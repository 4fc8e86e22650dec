using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

public partial class Model
{
    private RandomGenerator? _shuffleGenerator;

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over (x, y) in mini-batches, as Keras's fit.
    /// </summary>
    /// <param name="x">Inputs; the first axis is the sample axis.</param>
    /// <param name="y">Targets with as many samples as <paramref name="x"/>.</param>
    /// <param name="batchSize">Samples per gradient step (the last batch may be smaller).</param>
    /// <param name="epochs">Index of the epoch to stop before (Keras's meaning with initialEpoch).</param>
    /// <param name="verbose">0 silent, 1 progress (a live line on a terminal, a line per epoch otherwise).</param>
    /// <param name="validationData">Data evaluated at the end of each epoch (val_loss, val_accuracy, ...).</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="classWeight">Weight of each class's samples in the loss and the weighted metrics (classes not listed weigh 1).</param>
    /// <param name="sampleWeight">Weight of each sample in the loss and the weighted metrics, shape (samples,); or, for a sequence output, of each position, shape (samples, time) (Keras's temporal sample weights).</param>
    /// <param name="initialEpoch">Epoch to start at (to resume a run); epochs counts from 0, not from here.</param>
    /// <param name="stepsPerEpoch">Batches per epoch; the data then continues across epochs and restarts when used up.</param>
    /// <param name="validationSampleWeight">
    /// Weights of the validation samples, (samples,) or (samples, time), for val_loss and the weighted
    /// metrics (Keras's <c>validation_data=(x, y, sample_weight)</c>); only with <paramref name="validationData"/>.
    /// </param>
    /// <exception cref="ArgumentException">validationSampleWeight is given without validationData.</exception>
    /// <exception cref="ShapeMismatchException">The samples of inputs, targets and their weights differ.</exception>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor X, Tensor Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null, Tensor? validationSampleWeight = null)
    {
        RequireCompiled("Fit");
        CheckSamples(x, y, "Fit");
        CheckWeightRows(sampleWeight, x.Shape[0], "Fit", "sampleWeight");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
        Tensor? validationWeight = null;
        if (validationData is { } vd)
        {
            CheckSamples(vd.X, vd.Y, "Fit validation data");
            CheckWeightRows(validationSampleWeight, vd.X.Shape[0], "Fit validation data", "validationSampleWeight");
            validationWeight = validationSampleWeight;
        }
        else if (validationSampleWeight is not null)
        {
            throw new ArgumentException("Fit: validationSampleWeight weighs validationData, which was not given " +
                "(with validationSplit the held-out samples keep their sampleWeight).", nameof(validationSampleWeight));
        }
        else if (validationSplit > 0f)
        {
            int held = (int)(x.Shape[0] * validationSplit);
            int kept = x.Shape[0] - held;
            validationData = (x.SliceRows(kept, held), y.SliceRows(kept, held));
            validationWeight = WeightRows(sampleWeight, kept, held); // the held-out samples keep their weights, as Keras
            (x, y, sampleWeight) = (x.SliceRows(0, kept), y.SliceRows(0, kept), WeightRows(sampleWeight, 0, kept));
        }
        _shuffleGenerator ??= RandomGenerator.Global.Fork();
        var train = new DataLoader(new TensorDataset(x, y, sampleWeight), batchSize, shuffle, prefetch: 0, _shuffleGenerator);
        var validation = validationData is { } v ? new DataLoader(new TensorDataset(v.X, v.Y, validationWeight), batchSize, shuffle: false, prefetch: 0) : null;
        return Fit(train, epochs, verbose, validation, callbacks, classWeight, initialEpoch, stepsPerEpoch);
    }

    /// <summary>
    /// Trains on batches from <paramref name="train"/> (e.g. a DataLoader with background prefetch,
    /// for data that does not fit in memory). The parameters mean what they mean for tensors.
    /// </summary>
    public History Fit(DataLoader train, int epochs = 1, int verbose = 1, DataLoader? validationData = null,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        int initialEpoch = 0, int? stepsPerEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var optimizer = RequireCompiled("Fit");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "epochs must not be negative.");
        if (initialEpoch < 0) throw new ArgumentOutOfRangeException(nameof(initialEpoch), initialEpoch, "initialEpoch must not be negative.");
        if (stepsPerEpoch is <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "stepsPerEpoch must be positive.");

        int steps = stepsPerEpoch ?? train.BatchCount ?? 0;
        var list = new List<Callback>(callbacks ?? []);
        if (verbose > 0) list.Add(new ProgressLogger());
        var hooks = new CallbackList(list);
        hooks.Attach(this, new FitParameters(epochs, steps, verbose));
        bool logRate = optimizer.Schedule is not ConstantLearningRate || list.Any(c => c.LogsLearningRate);

        var history = new History();
        var run = new FitRun(train, history) { Epoch = initialEpoch };
        StopTraining = false;
        IReadOnlyDictionary<string, double> logs = new Dictionary<string, double>();
        IEnumerator<Batch>? batches = null;
        CurrentRun = run;
        try
        {
            hooks.TrainBegin();
            var resume = run.Resume; // set when a callback (BackupAndRestore) restored a checkpoint
            run.Resume = null;
            for (int epoch = resume?.Epoch ?? initialEpoch; epoch < epochs && !StopTraining; epoch++)
            {
                run.Epoch = epoch;
                hooks.EpochBegin(epoch);
                int firstStep = 0;
                if (resume is not null)
                {
                    // Continue the checkpoint's pass over the data at its next batch, in the same order.
                    firstStep = resume.Step;
                    run.PassBatch = resume.PassBatch;
                    batches = resume.PassBatch is int taken ? train.Resume(taken).GetEnumerator() : null;
                    resume = null;
                }
                else if (stepsPerEpoch is null) { batches?.Dispose(); batches = null; run.PassBatch = null; }
                if (firstStep == 0)
                {
                    run.LossMean = new RunningMean();
                    ResetMetrics();
                }
                for (int step = firstStep; (stepsPerEpoch is null || step < stepsPerEpoch) && !StopTraining; step++)
                {
                    using (Tensor.Scope())
                    {
                        if (!NextBatch(train, ref batches, run, restart: step == 0)) break;
                        hooks.BatchBegin(step);
                        TrainStep(batches!.Current, classWeight, run);
                    }
                    run.Step = step + 1;
                    run.TotalSteps++;
                    hooks.BatchEnd(step, FillLogs(run.BatchLogs, run.LossMean.Value));
                }
                var epochLogs = CurrentLogs(run.LossMean.Value);
                if (validationData is not null)
                    foreach (var (name, value) in Evaluate(validationData)) epochLogs["val_" + name] = value;
                if (logRate) epochLogs["learning_rate"] = optimizer.LearningRate;
                history.Record(epoch, epochLogs);
                (run.Epoch, run.Step) = (epoch + 1, 0);
                if (stepsPerEpoch is null) { batches?.Dispose(); batches = null; run.PassBatch = null; }
                hooks.EpochEnd(epoch, epochLogs);
                logs = epochLogs;
            }
            hooks.TrainEnd(logs);
        }
        finally
        {
            CurrentRun = null;
            batches?.Dispose();
            hooks.FitExit();
        }
        return history;
    }

    /// <summary>
    /// Advances to the next batch, starting a new pass when none is running. When a pass runs out
    /// mid-epoch the epoch ends early (as Keras with stepsPerEpoch); at an epoch's first step a used-up
    /// pass is restarted once. Counts the batches taken from the pass in <paramref name="run"/>.
    /// </summary>
    private static bool NextBatch(DataLoader train, ref IEnumerator<Batch>? batches, FitRun run, bool restart)
    {
        if (batches is null) (batches, run.PassBatch) = (train.Pass().GetEnumerator(), 0);
        if (batches.MoveNext())
        {
            run.PassBatch++;
            return true;
        }
        batches.Dispose();
        (batches, run.PassBatch) = (null, null);
        if (!restart) return false;
        (batches, run.PassBatch) = (train.Pass().GetEnumerator(), 0);
        if (!batches.MoveNext()) return false;
        run.PassBatch++;
        return true;
    }

    private void TrainStep(Batch batch, IReadOnlyDictionary<int, float>? classWeight, FitRun run)
    {
        if (_generalStep || batch.InputCount != 1 || batch.TargetCount != 1)
        {
            TrainStepMany(batch, classWeight, run); // several inputs, outputs or loss weights: Model.MultiIO.cs
            return;
        }
        var optimizer = RequireCompiled("Fit");
        var loss = OneLoss();
        CheckSamples(batch.X, batch.Y, "Fit");
        var weights = classWeight is null ? batch.SampleWeight : ClassWeights.Apply(batch.Y, classWeight, batch.SampleWeight);
        var (yPred, mask) = CallWithMask(batch.X, training: true);
        // The weights exist once the first batch has built the layers; listed once per Fit, as
        // Keras fixes the trainable set at compile time.
        if (run.Parameters is null)
        {
            run.Parameters = Parameters.ToArray();
            run.Trainable = TrainableParameters.ToArray();
        }
        var lossTensor = loss.Compute(batch.Y, yPred, weights, mask);
        run.LossMean.Add(lossTensor.Item(), batch.Size);
        foreach (var p in run.Parameters) p.Value.Grad?.Span.Clear();
        lossTensor.Backward();
        optimizer.Apply(run.Trainable!);
        UpdateMetrics(0, batch.Y, yPred, weights, mask);
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

    private Optimizers.Optimizer RequireCompiled(string caller) =>
        Optimizer ?? throw new InvalidOperationException($"{caller} needs a compiled model: call Compile(optimizer, loss, metrics) first.");

    /// <summary>The loss of a model compiled with one output (Compile makes sure it has one).</summary>
    private Losses.Loss OneLoss() =>
        _losses is [{ } loss] ? loss : throw new InvalidOperationException($"Model '{Name}' is compiled for {_losses.Length} outputs; the one-output step needs one loss.");

    private static void CheckSamples(Tensor x, Tensor y, string caller)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"{caller}: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"{caller}: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
    }
}
