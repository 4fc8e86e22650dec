using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Fit, Evaluate and Predict with a CancellationToken. A cancelled Fit stops at a step boundary:
/// OnTrainEnd runs with TrainingCancelled set, BackupAndRestore writes the checkpoint of the last
/// finished step, Fit throws TrainingCanceledException (an OperationCanceledException), and a Fit
/// started again from that checkpoint ends with the bits of a run that was never cancelled — the
/// model has random flips and dropout and the data is shuffled, as in ExactResumeTests.
/// </summary>
public class CancellationTests
{
    private const int Samples = 200, BatchSize = 16, Epochs = 3; // 13 steps per epoch, the last one of 8 samples

    private static (Sequential Model, Tensor X, Tensor Y) Setup() => ExactResumeTests.Setup();

    /// <summary>Cancels the token after the given number of training steps (counted over the whole Fit).</summary>
    private sealed class CancelAfter(CancellationTokenSource source, int steps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == steps) source.Cancel();
        }
    }

    /// <summary>Records what Fit told the callbacks.</summary>
    private sealed class Recorder : Callback
    {
        public List<string> Events { get; } = [];
        public bool? CancelledAtTrainEnd { get; private set; }
        public override void OnEpochBegin(int epoch) => Events.Add($"begin {epoch}");
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Events.Add($"end {epoch}");
        public override void OnTrainBatchBegin(int step) => Events.Add($"step {step}");
        public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
        {
            Events.Add("train end");
            CancelledAtTrainEnd = TrainingCancelled;
        }
    }

    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static void AssertSameBits(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i].Select(BitConverter.SingleToInt32Bits), actual[i].Select(BitConverter.SingleToInt32Bits));
    }

    private static void AssertSameHistory(History expected, History actual)
    {
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.Values.Keys.Order(), actual.Values.Keys.Order());
        foreach (var (name, values) in expected.Values) Assert.Equal(values, actual[name]);
    }

    private static (float[][] Weights, History History) Uninterrupted(string folder, int saveEvery)
    {
        var (model, x, y) = Setup();
        var history = model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(folder, saveEvery)]);
        return (Weights(model), history);
    }

    /// <summary>A run cancelled by <paramref name="cancel"/>, then the same Fit started again with the same folder.</summary>
    private static (float[][] Weights, History History, TrainingCanceledException Stop) CancelledAndResumed(
        string folder, int saveEvery, Func<CancellationTokenSource, Callback> cancel)
    {
        var (model, x, y) = Setup();
        using var source = new CancellationTokenSource();
        var backup = new BackupAndRestore(folder, saveEvery);
        var stop = Assert.Throws<TrainingCanceledException>(() =>
            model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup, cancel(source)], cancellationToken: source.Token));
        Assert.Equal(source.Token, stop.CancellationToken);

        // The checkpoint on disk is the stop: the model's weights and position after the last finished step.
        var checkpoint = Checkpoint.Load(backup.LatestPath);
        Assert.Equal((stop.Epoch, stop.Step), (checkpoint.Epoch, checkpoint.Step));
        Assert.Equal(checkpoint.TotalSteps, model.Optimizer!.Iterations);
        foreach (var p in model.Parameters)
            Assert.Equal(p.Value.ToArray().Select(BitConverter.SingleToInt32Bits), checkpoint.Weights[p.Path].ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(stop.History.Epochs, checkpoint.HistoryEpochs);

        (model, x, y) = Setup(); // a new process would build everything again
        backup = new BackupAndRestore(folder, saveEvery);
        var history = model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup]);
        Assert.NotNull(backup.Restored);
        Assert.Equal((stop.Epoch, stop.Step), (backup.Restored.Epoch, backup.Restored.Step));
        return (Weights(model), history, stop);
    }

    [Theory]
    [InlineData(0, 17, 1, 4)]  // mid-epoch, no step checkpoints: the stop writes the only mid-epoch one
    [InlineData(5, 17, 1, 4)]  // mid-epoch, after a step checkpoint (15): the stop writes a newer one
    [InlineData(5, 15, 1, 2)]  // right after a step checkpoint: it already is the stop's
    [InlineData(0, 13, 0, 13)] // after an epoch's last step, before its validation and end
    [InlineData(0, 1, 0, 1)]   // after the first step
    public void ACancelledRunResumesToTheBitsOfAnUninterruptedOne(int saveEvery, int cancelAfter, int epoch, int step)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var expected = Uninterrupted(a.Path, saveEvery);
        var actual = CancelledAndResumed(b.Path, saveEvery, source => new CancelAfter(source, cancelAfter));
        Assert.Equal((epoch, step), (actual.Stop.Epoch, actual.Stop.Step));
        AssertSameBits(expected.Weights, actual.Weights);
        AssertSameHistory(expected.History, actual.History);
    }

    [Fact]
    public void SaveOnlyWhenCancelledWritesTheStopOnlyAndAPlainBackupResumesFromIt()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var expected = Uninterrupted(a.Path, 0);

        // A finished run leaves nothing behind, not even the folder.
        string folder = Path.Combine(b.Path, "stop");
        var (model, x, y) = Setup();
        model.Fit(x, y, BatchSize, 1, verbose: 0, callbacks: [new BackupAndRestore(folder) { SaveOnlyWhenCancelled = true }]);
        Assert.False(Directory.Exists(folder));

        (model, x, y) = Setup();
        using var source = new CancellationTokenSource();
        var stop = Assert.Throws<TrainingCanceledException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0,
            callbacks: [new BackupAndRestore(folder) { SaveOnlyWhenCancelled = true }, new CancelAfter(source, 17)], cancellationToken: source.Token));
        Assert.Equal((1, 4), (stop.Epoch, stop.Step));
        Assert.Equal([BackupAndRestore.LatestFileName, BackupAndRestore.LockFileName], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        (model, x, y) = Setup();
        var backup = new BackupAndRestore(folder);
        var history = model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup]);
        Assert.Equal((1, 4), (backup.Restored!.Epoch, backup.Restored.Step));
        AssertSameBits(expected.Weights, Weights(model));
        AssertSameHistory(expected.History, history);
    }

    [Fact]
    public void CancelledAtAnEpochEndStopsBeforeTheNextEpoch()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var expected = Uninterrupted(a.Path, 0);
        var actual = CancelledAndResumed(b.Path, 0, source => new LambdaCallback { EpochEnd = (e, _) => { if (e == 0) source.Cancel(); } });
        Assert.Equal((1, 0), (actual.Stop.Epoch, actual.Stop.Step));
        Assert.Equal([0], actual.Stop.History.Epochs); // the finished epoch
        AssertSameBits(expected.Weights, actual.Weights);
        AssertSameHistory(expected.History, actual.History);
    }

    /// <summary>
    /// Another thread cancels while training runs on: the stop lands on whichever step boundary
    /// comes next, and the resumed run still ends with the uninterrupted run's bits.
    /// </summary>
    [Fact]
    public void CancelledFromAnotherThreadMidEpochResumesExactly()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var expected = Uninterrupted(a.Path, 4);
        Thread? canceller = null;
        int steps = 0;
        var actual = CancelledAndResumed(b.Path, 4, source => new LambdaCallback
        {
            BatchEnd = (step, _) =>
            {
                if (++steps == 10)
                {
                    canceller = new Thread(source.Cancel); // training does not wait for it...
                    canceller.Start();
                }
                if (steps == 30) canceller!.Join(); // ...unless it is about to finish: the stop must come before the end
            },
        });
        canceller!.Join();
        int stoppedAfter = actual.Stop.Epoch * 13 + actual.Stop.Step;
        Assert.InRange(stoppedAfter, 10, 30);
        AssertSameBits(expected.Weights, actual.Weights);
        AssertSameHistory(expected.History, actual.History);
    }

    [Fact]
    public void OnlyTrainEndFollowsTheStopAndTheExceptionCarriesTheHistory()
    {
        var (model, x, y) = Setup();
        using var source = new CancellationTokenSource();
        var recorder = new Recorder();
        var progress = new StringWriter();
        var stop = Assert.Throws<TrainingCanceledException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, validationSplit: 0.1f,
            callbacks: [recorder, new CancelAfter(source, 13), new ProgressLogger(progress, interactive: true)], cancellationToken: source.Token));
        Assert.IsAssignableFrom<OperationCanceledException>(stop);
        Assert.True(recorder.CancelledAtTrainEnd);
        // 180 training samples: 12 steps per epoch. Epoch 1 began and ran one step; it neither took a second batch nor ended.
        Assert.Equal(["begin 1", "step 0", "train end"], recorder.Events.Skip(recorder.Events.IndexOf("end 0") + 1));
        Assert.Equal((1, 1), (stop.Epoch, stop.Step));
        Assert.Equal([0], stop.History.Epochs);
        Assert.Contains("val_loss", stop.History.Values.Keys);
        Assert.Contains("epoch 2, after 1", stop.Message);
        Assert.EndsWith(" - cancelled\u001b[K" + Environment.NewLine, progress.ToString()); // the live progress line is ended
        Assert.False(model.StopTraining);

        // The next Fit starts normally: the flag is per Fit.
        recorder = new Recorder();
        model.Fit(x, y, BatchSize, 1, verbose: 0, callbacks: [recorder]);
        Assert.False(recorder.CancelledAtTrainEnd);
    }

    /// <summary>
    /// A cancelled Fit leaves the weights of its last finished step: those a StopTraining at that step
    /// gives. EarlyStopping restores no best weights at a cancelled end, before or after the checkpoint is written.
    /// </summary>
    [Fact]
    public void TheModelHoldsTheWeightsOfTheLastFinishedStep()
    {
        var (model, x, y) = Setup();
        int steps = 0;
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new LambdaCallback { BatchEnd = (_, _) => { if (++steps == 16) model.StopTraining = true; } }]);
        var stopped = Weights(model);

        using var folder = new TempFolder();
        (model, x, y) = Setup();
        using var source = new CancellationTokenSource();
        var backup = new BackupAndRestore(folder.Path);
        Assert.Throws<TrainingCanceledException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, cancellationToken: source.Token,
            callbacks: [new EarlyStopping("loss", patience: 5, restoreBestWeights: true), backup, new CancelAfter(source, 16)]));
        AssertSameBits(stopped, Weights(model));
        Assert.Equal(16, model.Optimizer!.Iterations);
        var checkpoint = Checkpoint.Load(backup.LatestPath);
        foreach (var p in model.Parameters)
            Assert.Equal(p.Value.ToArray(), checkpoint.Weights[p.Path].ToArray());
    }

    [Fact]
    public void AnAlreadyCancelledTokenTrainsNothing()
    {
        var (model, x, y) = Setup();
        var before = Weights(model);
        var recorder = new Recorder();
        var stop = Assert.Throws<TrainingCanceledException>(() =>
            model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [recorder], cancellationToken: new CancellationToken(canceled: true)));
        Assert.Equal((0, 0), (stop.Epoch, stop.Step));
        Assert.Empty(stop.History.Epochs);
        Assert.Equal(["train end"], recorder.Events);
        AssertSameBits(before, Weights(model));
    }

    [Fact]
    public void DataLoaderWithPrefetchStopsAndResumesExactly()
    {
        (float[][], History) Run(string folder, int? cancelAfter)
        {
            (Sequential, DataLoader) Make()
            {
                var (model, x, y) = Setup();
                return (model, new DataLoader(new TensorDataset(x, y), BatchSize, shuffle: true, prefetch: 2, generator: new RandomGenerator(5)));
            }
            var (model, loader) = Make();
            var options = new FitOptions { Epochs = 4, Verbose = 0, StepsPerEpoch = 5, Callbacks = [new BackupAndRestore(folder)] };
            if (cancelAfter is { } n)
            {
                using var source = new CancellationTokenSource();
                var stop = Assert.Throws<TrainingCanceledException>(() =>
                    model.Fit(loader, options with { Callbacks = [.. options.Callbacks, new CancelAfter(source, n)] }, source.Token));
                Assert.Equal((3, 1), (stop.Epoch, stop.Step));
                (model, loader) = Make();
            }
            var history = model.Fit(loader, options);
            return (Weights(model), history);
        }
        using var a = new TempFolder();
        using var b = new TempFolder();
        // Passes of 13 batches give epochs of 5, 5 and 3 steps (an epoch that reaches the end of the data
        // stops there), so step 14 is the first of epoch 3, in a new pass, with the prefetching thread running.
        var (expectedWeights, expectedHistory) = Run(a.Path, null);
        var (weights, history) = Run(b.Path, 14);
        AssertSameBits(expectedWeights, weights);
        AssertSameHistory(expectedHistory, history);
    }

    [Fact]
    public void EvaluateAndPredictStopBetweenBatches()
    {
        var (model, x, y) = Setup();
        var cancelled = new CancellationToken(canceled: true);
        Assert.Throws<OperationCanceledException>(() => model.Evaluate(x, y, cancellationToken: cancelled));
        Assert.Throws<OperationCanceledException>(() => model.Predict(x, cancellationToken: cancelled));
        Assert.Throws<OperationCanceledException>(() => model.Predict([x], cancellationToken: cancelled));

        // Cancelled while the third batch is made: that batch still runs (the token is read before each batch), no fourth is made.
        using var source = new CancellationTokenSource();
        int made = 0;
        IEnumerable<Batch> Pass()
        {
            for (int start = 0; start < Samples; start += BatchSize)
            {
                if (++made == 3) source.Cancel();
                yield return new Batch(x.SliceRows(start, Math.Min(BatchSize, Samples - start)), y.SliceRows(start, Math.Min(BatchSize, Samples - start)));
            }
        }
        Assert.Throws<OperationCanceledException>(() => model.Evaluate(DataLoader.FromBatches(Pass, prefetch: 0), cancellationToken: source.Token));
        Assert.Equal(3, made);

        // An uncancelled token changes nothing.
        using var live = new CancellationTokenSource();
        Assert.Equal(model.Evaluate(x, y)["loss"], model.Evaluate(x, y, cancellationToken: live.Token)["loss"]);
    }
}
