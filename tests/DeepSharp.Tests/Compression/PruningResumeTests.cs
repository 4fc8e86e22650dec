using DeepSharp.Compression;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Training;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using static DeepSharp.Tests.Compression.PruningTestModels;

namespace DeepSharp.Tests.Compression;

/// <summary>Pruning masks survive checkpoints (an interrupted, resumed Fit gives the uninterrupted bits) and model files.</summary>
public class PruningResumeTests
{
    private const int BatchSize = 16, Epochs = 3; // 13 steps per epoch on ExactResumeTests' 200 samples

    private sealed class CrashException : Exception;

    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    private static PruningCallback Pruner() => new(new PolynomialDecaySparsity(0.3f, 0.9f, beginStep: 2, endStep: 30, frequency: 4));

    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void AResumedRunHoldsTheMasksAndEndsWithTheUninterruptedBits()
    {
        using var a = new TempFolder();
        var (model, x, y) = ExactResumeTests.Setup();
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(a.Path, 5), Pruner()]);
        var expected = Weights(model);

        using var b = new TempFolder();
        (model, x, y) = ExactResumeTests.Setup();
        Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [new BackupAndRestore(b.Path, 5), Pruner(), new Crash(23)]));
        (model, x, y) = ExactResumeTests.Setup(); // a new process: no masks, fresh weights
        var backup = new BackupAndRestore(b.Path, 5);
        model.Fit(x, y, BatchSize, Epochs, verbose: 0, callbacks: [Pruner(), backup]);
        Assert.NotNull(backup.Restored);
        var actual = Weights(model);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i].Select(BitConverter.SingleToInt32Bits), actual[i].Select(BitConverter.SingleToInt32Bits));
        var kernel = Weight(model, "conv2d/kernel").Value; // 3·3·1·4 = 36 weights at 90 %
        Assert.Equal(36 - (int)Math.Round(36 * 0.1, MidpointRounding.ToEven), Zeros(kernel));
    }

    [Fact]
    public void SaveAndLoadKeepTheZerosAndPruningGoesOnFromThem()
    {
        using var folder = new TempFolder();
        var (model, x, y) = Mlp();
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0, callbacks: [new PruningCallback(new ConstantSparsity(0.75f, 0, frequency: 1))]);
        string path = Path.Combine(folder.Path, "pruned.safetensors");
        model.Save(path); // masks on: the file is an ordinary model file
        var loaded = Model.Load(path);
        Assert.False(Pruning.IsPruned(loaded));
        Assert.Equal(45, Zeros(Weight(loaded, "dense/kernel").Value));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());

        // Fine-tuning the loaded model with a schedule that does not prune yet: its zeros hold.
        loaded.Compile(new DeepSharp.Optimizers.Adam(0.01f), new DeepSharp.Losses.SparseCategoricalCrossentropy(fromLogits: true));
        loaded.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0, callbacks: [new PruningCallback(new ConstantSparsity(0.75f, beginStep: 1000))]);
        Assert.Equal(45, Zeros(Weight(loaded, "dense/kernel").Value));
        Pruning.StripPruning(loaded);
        loaded.Save(path);
        Assert.Equal(45, Zeros(Weight(Model.Load(path), "dense/kernel").Value));
    }
}
