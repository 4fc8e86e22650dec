using DeepSharp.Data;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

internal sealed partial class Trainer
{
    /// <summary>
    /// The training loop every Fit overload reaches. Per epoch: the callbacks' epoch hooks around
    /// the steps, then the validation data, the history and the epoch's logs. Per step, inside a
    /// <see cref="Tensor.Scope"/> that returns every temporary to the pool: the next batch →
    /// <see cref="TrainStep"/> → the batch hooks. A callback restoring a checkpoint in OnTrainBegin
    /// (<see cref="BackupAndRestore"/>) sets <see cref="FitRun.Resume"/>, and the loop continues the
    /// checkpoint's pass over the data at its next batch, in the same order.
    /// </summary>
    /// <remarks>
    /// <paramref name="cancellationToken"/> is read at step boundaries only: before each step takes
    /// its batch and before each epoch begins (validation at an epoch's end runs to its end). When it
    /// is cancelled the loop stops there — the model, optimizer, data position and history are those
    /// after the last finished step — the callbacks' OnTrainEnd runs with
    /// <see cref="Callback.TrainingCancelled"/> set (BackupAndRestore writes its checkpoint of that
    /// step), and Fit throws <see cref="TrainingCanceledException"/>.
    /// </remarks>
    private History FitLoop(DataLoader train, FitOptions options, CancellationToken cancellationToken)
    {
        CheckOptions(options);
        if (options.CheckFinite)
        {
            FiniteCheck.Check(train, "");
            if (options.ValidationData is { } validationData) FiniteCheck.Check(validationData, "validation ");
        }
        int epochs = options.Epochs;
        int? stepsPerEpoch = options.StepsPerEpoch;
        int steps = stepsPerEpoch ?? train.BatchCount ?? 0;
        var list = new List<Callback>(options.Callbacks);
        if (options.Verbose > 0) list.Add(new ProgressLogger());
        var hooks = new CallbackList(list);
        hooks.Attach(_model, new FitParameters(epochs, steps, options.Verbose));
        bool logRate = Optimizer.Schedule is not ConstantLearningRate || list.Any(c => c.LogsLearningRate);

        var history = new History();
        var run = new FitRun(train, history) { Epoch = options.InitialEpoch };
        _model.StopTraining = false;
        IReadOnlyDictionary<string, double> logs = new Dictionary<string, double>();
        IEnumerator<Batch>? batches = null;
        bool cancelled = false;
        Run = run;
        try
        {
            hooks.TrainBegin();
            var resume = run.Resume; // set when a callback (BackupAndRestore) restored a checkpoint
            run.Resume = null;
            for (int epoch = resume?.Epoch ?? options.InitialEpoch; epoch < epochs && !_model.StopTraining; epoch++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true; // between epochs: the run stands after the last epoch's end
                    break;
                }
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
                else if (stepsPerEpoch is null) EndPass(ref batches, run);
                if (firstStep == 0)
                {
                    run.LossMean = new RunningMean();
                    ResetMetrics();
                }
                for (int step = firstStep; (stepsPerEpoch is null || step < stepsPerEpoch) && !_model.StopTraining; step++)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        cancelled = true; // a step boundary: the run stands after its last finished step, before the next batch is taken
                        break;
                    }
                    using (Tensor.Scope())
                    {
                        if (!NextBatch(train, ref batches, run, restart: step == 0)) break;
                        hooks.BatchBegin(step);
                        TrainStep(batches!.Current, options.ClassWeight, run);
                    }
                    run.Step = step + 1;
                    run.TotalSteps++;
                    hooks.BatchEnd(step, FillLogs(run.BatchLogs, run.LossMean.Value));
                }
                if (cancelled) break; // mid-epoch: no validation and no epoch end; a resumed run does them
                var epochLogs = CurrentLogs(run.LossMean.Value);
                if (options.ValidationData is { } validation)
                    foreach (var (name, value) in Evaluate(validation, verbose: 0, CancellationToken.None)) epochLogs["val_" + name] = value;
                // Keras 3's entry: the rate at the epoch's end (a schedule at the steps taken so far), before callbacks change it.
                if (logRate) epochLogs["learning_rate"] = Optimizer.LearningRate;
                history.Record(epoch, epochLogs);
                (run.Epoch, run.Step) = (epoch + 1, 0);
                if (stepsPerEpoch is null) EndPass(ref batches, run);
                hooks.EpochEnd(epoch, epochLogs);
                logs = epochLogs;
            }
            hooks.TrainEnd(logs, cancelled);
        }
        finally
        {
            Run = null;
            batches?.Dispose();
            hooks.FitExit();
        }
        if (cancelled) throw new TrainingCanceledException(history, run.Epoch, run.Step, cancellationToken);
        return history;
    }

    private void CheckOptions(FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException("epochs", options.Epochs, "epochs must not be negative.");
        if (options.InitialEpoch < 0) throw new ArgumentOutOfRangeException("initialEpoch", options.InitialEpoch, "initialEpoch must not be negative.");
        if (options.StepsPerEpoch is <= 0) throw new ArgumentOutOfRangeException("stepsPerEpoch", options.StepsPerEpoch, "stepsPerEpoch must be positive.");
        ArgumentNullException.ThrowIfNull(options.Callbacks, "callbacks");
        CheckClassWeight(options.ClassWeight);
    }

    /// <summary>Class weights need a model with one output, as in Keras.</summary>
    public void CheckClassWeight(IReadOnlyDictionary<int, float>? classWeight)
    {
        if (classWeight is not null && _model.OutputCount > 1)
            throw new ArgumentException($"Fit: classWeight is only supported for a model with one output (as Keras); model '{_model.Name}' has {_model.OutputCount}. Use sampleWeight.", nameof(classWeight));
    }

    /// <summary>Ends the running pass over the data (if any): the next batch starts a new one.</summary>
    private static void EndPass(ref IEnumerator<Batch>? batches, FitRun run)
    {
        batches?.Dispose();
        batches = null;
        run.PassBatch = null;
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
}
