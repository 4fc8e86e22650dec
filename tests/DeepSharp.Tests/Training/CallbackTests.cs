using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

public class CallbackTests
{
    internal static Sequential Mlp(float learningRate = 0.01f)
    {
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        model.Compile(new Adam(learningRate), new CategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }

    /// <summary>Overwrites a log entry with scripted per-epoch values (placed before the callback under test).</summary>
    private static LambdaCallback Script(string name, params double[] values) => new()
    {
        EpochEnd = (epoch, logs) => ((IDictionary<string, double>)logs)[name] = values[epoch],
    };

    [Fact]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestWeights()
    {
        RandomGenerator.SetGlobalSeed(3);
        var (x, y, _) = ModelTests.Blobs(64, 1);
        var model = Mlp();
        var weightsByEpoch = new List<float[][]>();
        var record = new LambdaCallback { EpochEnd = (_, _) => weightsByEpoch.Add(model.Parameters.Select(p => p.Value.ToArray()).ToArray()) };
        var stopper = new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true);
        // Best at epoch 1; epochs 2 and 3 do not improve → stop at epoch 3.
        var history = model.Fit(x, y, epochs: 10, verbose: 0,
            callbacks: [Script("val_loss", 1.0, 0.8, 0.9, 0.85, 0.5, 0.4), record, stopper]);
        Assert.Equal([0, 1, 2, 3], history.Epochs);
        Assert.Equal(3, stopper.StoppedEpoch);
        Assert.Equal(1, stopper.BestEpoch);
        var restored = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        for (int i = 0; i < restored.Length; i++) Assert.Equal(weightsByEpoch[1][i], restored[i]);
        Assert.NotEqual(weightsByEpoch[3][0], restored[0]);
    }

    [Fact]
    public void EarlyStoppingHonoursMinDeltaModeAndBaseline()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        // Max mode: rises of 0.001 are below minDelta 0.01, so epochs 1 and 2 do not improve (patience 2).
        var stopper = new EarlyStopping("val_accuracy", minDelta: 0.01f, patience: 2);
        var history = Mlp().Fit(x, y, epochs: 10, verbose: 0, callbacks: [Script("val_accuracy", 0.5, 0.501, 0.502, 0.9), stopper]);
        Assert.Equal(3, history.Epochs.Count);
        // An improvement that misses the baseline does not reset the wait: without a baseline the
        // wait restarts at epoch 1 and training stops at epoch 3; with one it stops at epoch 2.
        double[] values = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9];
        history = Mlp().Fit(x, y, epochs: 10, verbose: 0, callbacks: [Script("val_loss", values), new EarlyStopping(patience: 2)]);
        Assert.Equal(4, history.Epochs.Count);
        history = Mlp().Fit(x, y, epochs: 10, verbose: 0, callbacks: [Script("val_loss", values), new EarlyStopping(patience: 2, baseline: 0.1)]);
        Assert.Equal(3, history.Epochs.Count);
    }

    [Fact]
    public void ReduceLROnPlateauLowersTheRateAndLogsIt()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var model = Mlp(0.01f);
        var reduce = new ReduceLROnPlateau("val_loss", factor: 0.5f, patience: 2, minLr: 0.002f);
        var history = model.Fit(x, y, epochs: 7, verbose: 0, callbacks: [Script("val_loss", 1, 1, 1, 1, 1, 1, 1), reduce]);
        // Logged: the optimizer's rate at each epoch's end, before this callback lowers it, so the rate
        // of that epoch's steps (Keras logs it first in on_epoch_end too). Epoch 0 sets the best; the rate halves at the
        // end of epochs 2, 4 and 6 (two flat epochs each), the last time clamped to minLr.
        double[] expected = [0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], history["learning_rate"][i], 6);
        Assert.Equal(0.002, model.Optimizer!.LearningRate, 6);
    }

    [Fact]
    public void LearningRateSchedulerSetsTheRateEachEpoch()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var history = Mlp().Fit(x, y, epochs: 3, verbose: 0, callbacks: [new LearningRateScheduler((epoch, lr) => 0.1f / (epoch + 1))]);
        Assert.Equal([0.1, 0.05, Math.Round(0.1 / 3, 6)], history["learning_rate"].Select(v => Math.Round(v, 6)).ToArray());
    }

    [Fact]
    public void APerStepScheduleLogsTheRateAtTheEpochsEnd()
    {
        // Keras 3 logs optimizer.learning_rate at on_epoch_end: the schedule at the steps taken so far,
        // the rate the next step would use. 32 samples in batches of 8: 4 steps an epoch, 12 in all.
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        var schedule = new DeepSharp.Optimizers.Schedules.CosineDecay(0.1f, decaySteps: 12);
        model.Compile(new Sgd(schedule), new CategoricalCrossentropy());
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        // lr·½(1 + cos(π·s/12)) at s = 4, 8, 12: 0.075, 0.025, 0 (the steps of epoch 0 used s = 0..3).
        Assert.Equal([0.075, 0.025, 0.0], history["learning_rate"].Select(v => Math.Round(v, 6)).ToArray());
        Assert.Equal(0f, model.Optimizer!.LearningRate, 6);
    }

    [Fact]
    public void TerminateOnNaNStopsAtThePlantedBatch()
    {
        var (x, y, _) = ModelTests.Blobs(64, 1);
        y.Span[3 * 40] = float.NaN;                                  // sample 40 → batch 2 of 16 (a ReLU would swallow a NaN input)
        var terminate = new TerminateOnNaN();
        // checkFinite: false, or Fit would refuse the data before the first step (FiniteDataTests).
        var history = Mlp().Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, shuffle: false, callbacks: [terminate], checkFinite: false);
        Assert.Equal(2, terminate.StoppedAtStep);
        Assert.Single(history.Epochs);
        Assert.True(double.IsNaN(history["loss"][0]));
    }

    [Fact]
    public void CsvLoggerWritesAHeaderAndOneRowPerEpoch()
    {
        using var folder = new Data.TempFolder();
        string path = Path.Combine(folder.Path, "log.csv");
        var (x, y, _) = ModelTests.Blobs(32, 1);
        Mlp().Fit(x, y, epochs: 3, verbose: 0, callbacks: [new CsvLogger(path)]);
        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal("epoch,accuracy,loss", lines[0]);
        Assert.StartsWith("0,", lines[1]);
        Assert.StartsWith("2,", lines[3]);
        Mlp().Fit(x, y, epochs: 2, verbose: 0, callbacks: [new CsvLogger(path, append: true)]);
        Assert.Equal(6, File.ReadAllLines(path).Length);             // appended rows, no second header
    }

    [Fact]
    public void LambdaCallbackSeesEveryHook()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var seen = new List<string>();
        var lambda = new LambdaCallback
        {
            TrainBegin = () => seen.Add("train"),
            EpochBegin = e => seen.Add($"epoch{e}"),
            BatchEnd = (s, _) => seen.Add($"batch{s}"),
            TrainEnd = _ => seen.Add("end"),
        };
        Mlp().Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks: [lambda]);
        Assert.Equal(["train", "epoch0", "batch0", "batch1", "end"], seen);
    }

    [Theory]
    [InlineData("val_loss", false)]
    [InlineData("accuracy", true)]
    [InlineData("val_auc", true)]
    [InlineData("val_pearson_correlation", true)]
    [InlineData("concordance_correlation", true)]
    [InlineData("val_precision", true)]
    [InlineData("recall_1", true)]
    [InlineData("dense_1_f1_score", true)]
    [InlineData("val_mean_iou", true)]
    [InlineData("r2_score", true)]
    [InlineData("val_cosine_similarity", true)]
    [InlineData("true_positives", true)]
    [InlineData("false_positives", false)]
    [InlineData("val_mean_absolute_error", false)]
    [InlineData("val_mean_squared_logarithmic_error", false)]
    [InlineData("val_", false)]
    public void AutoModeFollowsTheMetricsDirection(string monitor, bool maximises)
    {
        Assert.Equal(maximises, DeepSharp.Training.Callbacks.Monitor.Maximises(MonitorMode.Auto, monitor));
        Assert.True(DeepSharp.Training.Callbacks.Monitor.Maximises(MonitorMode.Max, monitor));
        Assert.False(DeepSharp.Training.Callbacks.Monitor.Maximises(MonitorMode.Min, monitor));
    }

    [Fact]
    public void EarlyStoppingOnACorrelationWaitsForItToRise()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        // Rising values improve (Keras 3's direction "up"): the wait starts only after the peak at epoch 2.
        var stopper = new EarlyStopping("val_pearson_correlation", patience: 1);
        var history = Mlp().Fit(x, y, epochs: 10, verbose: 0, callbacks: [Script("val_pearson_correlation", 0.2, 0.5, 0.7, 0.6, 0.65, 0.9), stopper]);
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(2, stopper.BestEpoch);
    }
}
