using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// BackupAndRestore in process: a run "crashes" (an exception from a callback abandons the model),
/// a fresh model and optimizer built by the same code resume from the checkpoint folder, and the
/// final weights and history are bitwise those of a run that never stopped. The model has random
/// flips and dropout, and the data is shuffled, so every random stream must be restored.
/// </summary>
public class ExactResumeTests
{
    private const int Samples = 200, BatchSize = 16, Epochs = 3; // 13 steps per epoch, the last one of 8 samples

    private sealed class CrashException : Exception;

    /// <summary>Throws after the given number of steps, as a kill would stop the run.</summary>
    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    private static Optimizer MakeOptimizer(string name) => name switch
    {
        "adam" => new Adam(),
        "nadam-decay" => new Nadam(new ExponentialDecay(0.01f, decaySteps: 4, decayRate: 0.9f)),
        "sgd-nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
        "rmsprop-centered" => new RmsProp(momentum: 0.5f, centered: true),
        "lion-decay" => new Lion(new ExponentialDecay(3e-3f, decaySteps: 4, decayRate: 0.9f)),
        "ftrl" => new Ftrl(0.1f, l1RegularizationStrength: 1e-3f),
        // Gradient accumulation: the checkpoint after 15 steps holds 3 (of 4) and 1 (of 2) accumulated batches.
        "adam-accumulate4" => new Adam { GradientAccumulationSteps = 4 },
        "sgd-nesterov-clipnorm-accumulate2" => new Sgd(0.05f, momentum: 0.9f, nesterov: true) { ClipNorm = 0.5f, GradientAccumulationSteps = 2 },
        _ => throw new ArgumentException(name),
    };

    /// <summary>The run both this class and CancellationTests resume: a seeded model with random flips and dropout, and its data.</summary>
    internal static (Sequential Model, Tensor X, Tensor Y) Setup(string optimizer = "adam", string? noise = null)
    {
        RandomGenerator.SetGlobalSeed(42);
        var x = Tensor.RandomUniform(new Shape(Samples, 6, 6, 1), 0f, 1f, new RandomGenerator(1));
        var labels = new int[Samples];
        var g = new RandomGenerator(2);
        for (int i = 0; i < labels.Length; i++) labels[i] = g.NextInt(3);
        var y = DataUtils.ToCategorical(Tensor.FromArray(labels, Samples), 3);
        var model = new Sequential(
            new RandomFlip(inputShape: [6, 6, 1]),
            new Conv2D(4, 3, activation: Activation.Relu));
        // Conv2D gives (4, 4, 4): a noise layer of any kind can sit here, reshaped to its rank.
        switch (noise)
        {
            case null: break;
            case "SpatialDropout1D": model.Add(new Reshape([16, 4])); model.Add(new SpatialDropout1D(0.3f)); break;
            case "SpatialDropout2D": model.Add(new SpatialDropout2D(0.3f)); break;
            case "SpatialDropout3D": model.Add(new Reshape([2, 2, 4, 4])); model.Add(new SpatialDropout3D(0.3f)); break;
            case "GaussianNoise": model.Add(new GaussianNoise(0.3f)); break;
            case "GaussianDropout": model.Add(new GaussianDropout(0.3f)); break;
            case "AlphaDropout": model.Add(new AlphaDropout(0.2f)); break;
            default: throw new ArgumentException(noise);
        }
        model.Add(new Flatten());
        model.Add(new Dropout(0.3f));
        model.Add(new Dense(3, Activation.Softmax));
        model.Compile(MakeOptimizer(optimizer), new CategoricalCrossentropy(), [new Accuracy()]);
        return (model, x, y);
    }

    private static (float[][] Weights, History History) Train(string folder, int saveEvery, int? crashAfter = null, Action? beforeResume = null, string optimizer = "adam", string? noise = null)
    {
        var (model, x, y) = Setup(optimizer, noise);
        var backup = new BackupAndRestore(folder, saveEvery);
        bool hadCheckpoint = false;
        if (crashAfter is { } n)
        {
            Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup, new Crash(n)]));
            beforeResume?.Invoke();
            hadCheckpoint = File.Exists(backup.LatestPath) || File.Exists(backup.PreviousPath);
            (model, x, y) = Setup(optimizer, noise); // the crashed model is abandoned
            backup = new BackupAndRestore(folder, saveEvery);
        }
        var history = model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup]);
        Assert.Equal(hadCheckpoint, backup.Restored is not null);
        Assert.False(File.Exists(backup.LatestPath)); // deleted at the end, as Keras does
        return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), history);
    }

    private static void AssertSame((float[][] Weights, History History) expected, (float[][] Weights, History History) actual)
    {
        Assert.Equal(expected.Weights.Length, actual.Weights.Length);
        for (int i = 0; i < expected.Weights.Length; i++)
            Assert.Equal(expected.Weights[i].Select(BitConverter.SingleToInt32Bits), actual.Weights[i].Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.History.Epochs, actual.History.Epochs);
        Assert.Equal(expected.History.Values.Keys.Order(), actual.History.Values.Keys.Order());
        foreach (var (name, values) in expected.History.Values) Assert.Equal(values, actual.History[name]);
    }

    [Theory]
    [InlineData(5, 17)] // latest checkpoint mid-epoch: epoch 1, step 2 (after 15 steps)
    [InlineData(0, 20)] // latest checkpoint at the end of epoch 0
    [InlineData(5, 26)] // step checkpoint after an epoch's last step (26 = 2 × 13), then the crash before validation
    [InlineData(4, 3)]  // crash before any checkpoint: starts afresh
    public void ResumeIsBitwiseIdentical(int saveEvery, int crashAfter)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        AssertSame(Train(a.Path, saveEvery), Train(b.Path, saveEvery, crashAfter));
    }

    /// <summary>Slots, iteration counts, optimizer-wide scalars (Nadam's), a schedule's position and accumulated gradients all resume.</summary>
    [Theory]
    [InlineData("nadam-decay")]
    [InlineData("sgd-nesterov")]
    [InlineData("rmsprop-centered")]
    [InlineData("lion-decay")]
    [InlineData("ftrl")]
    [InlineData("adam-accumulate4")]
    [InlineData("sgd-nesterov-clipnorm-accumulate2")]
    public void OtherOptimizersResumeExactly(string optimizer)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        AssertSame(Train(a.Path, 5, optimizer: optimizer), Train(b.Path, 5, crashAfter: 17, optimizer: optimizer));
    }

    /// <summary>Each noise layer's counter-based draws (two per call) resume: its generator is in the checkpoint.</summary>
    [Theory]
    [InlineData("GaussianNoise")]
    [InlineData("GaussianDropout")]
    [InlineData("AlphaDropout")]
    [InlineData("SpatialDropout1D")]
    [InlineData("SpatialDropout2D")]
    [InlineData("SpatialDropout3D")]
    public void NoiseLayersResumeExactly(string noise)
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        AssertSame(Train(a.Path, 5, noise: noise), Train(b.Path, 5, crashAfter: 17, noise: noise));
    }

    [Fact]
    public void CorruptLatestFallsBackToPrevious()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var uninterrupted = Train(a.Path, 5);
        string latest = Path.Combine(b.Path, BackupAndRestore.LatestFileName);
        var resumed = Train(b.Path, 5, crashAfter: 17, beforeResume: () =>
        {
            var bytes = File.ReadAllBytes(latest);
            bytes[bytes.Length / 2] ^= 0x10; // one flipped bit in the data: only the checksum can tell
            File.WriteAllBytes(latest, bytes);
        });
        AssertSame(uninterrupted, resumed);
    }

    [Fact]
    public void FallbackIsReported()
    {
        using var b = new TempFolder();
        var (model, x, y) = Setup();
        Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(b.Path, 5), new Crash(17)]));
        File.WriteAllBytes(Path.Combine(b.Path, BackupAndRestore.LatestFileName), [1, 2, 3]);
        (model, x, y) = Setup();
        var backup = new BackupAndRestore(b.Path, 5);
        RestoredCheckpoint? seen = null;
        backup.Resumed += r => seen = r;
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [backup, new StopAtBegin()]);
        Assert.NotNull(seen);
        Assert.Equal(backup.PreviousPath, seen.Path);
        Assert.Equal((1, 0), (seen.Epoch, seen.Step)); // the previous one: the end of epoch 0 (13 steps)
        Assert.NotNull(seen.FallbackReason);

        // Both unusable: an error, not a silent restart from scratch.
        File.WriteAllBytes(backup.PreviousPath, [4, 5, 6]);
        File.WriteAllBytes(backup.LatestPath, [1, 2, 3]);
        (model, x, y) = Setup();
        Assert.Throws<DataFormatException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(b.Path, 5)]));
    }

    private sealed class StopAtBegin : Callback
    {
        public override void OnTrainBegin() => Model!.StopTraining = true;
    }

    [Fact]
    public void DataLoaderWithPrefetchAndStepsPerEpochResumesExactly()
    {
        (float[][], History) Run(string folder, int? crashAfter)
        {
            (Sequential, DataLoader) Make()
            {
                var (model, x, y) = Setup();
                return (model, new DataLoader(new TensorDataset(x, y), BatchSize, shuffle: true, prefetch: 2, generator: new RandomGenerator(5)));
            }
            var (model, loader) = Make();
            if (crashAfter is { } n)
            {
                Assert.Throws<CrashException>(() => model.Fit(loader, epochs: 4, verbose: 0, stepsPerEpoch: 5, callbacks: [new BackupAndRestore(folder, 3), new Crash(n)]));
                (model, loader) = Make();
            }
            var history = model.Fit(loader, epochs: 4, verbose: 0, stepsPerEpoch: 5, callbacks: [new BackupAndRestore(folder, 3)]);
            return (model.Parameters.Select(p => p.Value.ToArray()).ToArray(), history);
        }
        using var a = new TempFolder();
        using var b = new TempFolder();
        // 20 steps over passes of 13 batches: the checkpoint after step 12 is mid-pass in epoch 2.
        AssertSame(Run(a.Path, null), Run(b.Path, 14));
    }

    [Fact]
    public void CheckpointMidAccumulationHoldsTheAccumulators()
    {
        using var b = new TempFolder();
        var (model, x, y) = Setup("adam-accumulate4");
        Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(b.Path, 5), new Crash(17)]));
        var c = Checkpoint.Load(Path.Combine(b.Path, BackupAndRestore.LatestFileName));
        Assert.Equal((3L, 3.0), (c.Optimizer.Iterations, c.Optimizer.Scalars["accumulated_steps"])); // 15 steps: 3 updates, 3 batches pending
        Assert.Equal("4", c.FitSettings!["gradient_accumulation_steps"]);
        foreach (var p in model.Parameters)
            Assert.Contains(c.Optimizer.Tensors, t => t.Key == p.Path + "/" + Optimizer.AccumulatorSlot && t.Value.ToArray().Any(v => v != 0f));
    }

    [Fact]
    public void CheckpointRoundTripsEveryField()
    {
        using var b = new TempFolder();
        var (model, x, y) = Setup();
        Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(b.Path, 5), new Crash(17)]));
        string path = Path.Combine(b.Path, BackupAndRestore.LatestFileName);
        var c = Checkpoint.Load(path);
        Assert.Equal((1, 2, 15L, 2), (c.Epoch, c.Step, c.TotalSteps, c.PassBatch));
        Assert.Equal(15, c.Optimizer.Iterations);
        Assert.Equal(["global", "layers/dropout", "layers/random_flip", "shuffle"], c.Generators.Keys.Order());
        Assert.Equal(Samples, c.DataOrder!.Length);
        Assert.Equal(2 * BatchSize, c.LossCount);
        Assert.Equal([0], c.HistoryEpochs);
        Assert.Equal(model.Parameters.Select(p => p.Path).Order(), c.Weights.Keys.Order());

        var again = Checkpoint.Parse(CheckpointFile.ToFile(c).ToBytes(), "memory");
        Assert.Equal(File.ReadAllBytes(path), CheckpointFile.ToFile(again).ToBytes());
    }
}
