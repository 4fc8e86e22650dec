using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

public class ModelCheckpointTests
{
    /// <summary>Overwrites a log entry with scripted per-epoch values (placed before the callback under test).</summary>
    private static LambdaCallback Script(string name, params double[] values) => new()
    {
        EpochEnd = (epoch, logs) => ((IDictionary<string, double>)logs)[name] = values[epoch],
    };

    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void SaveBestOnlyKeepsTheBestEpochsWeights()
    {
        RandomGenerator.SetGlobalSeed(4);
        var (x, y, _) = ModelTests.Blobs(64, 1);
        var model = CallbackTests.Mlp();
        using var folder = new TempFolder();
        string path = folder.File("best.safetensors");
        var weightsByEpoch = new List<float[][]>();
        var record = new LambdaCallback { EpochEnd = (_, _) => weightsByEpoch.Add(Weights(model)) };
        var checkpoint = new ModelCheckpoint(path, "val_loss", saveBestOnly: true);
        // Best at epoch 2 (0-based); later epochs are worse and must not overwrite it.
        model.Fit(x, y, epochs: 5, verbose: 0, callbacks: [Script("val_loss", 1.0, 0.7, 0.4, 0.6, 0.45), record, checkpoint]);

        Assert.Equal(0.4, checkpoint.Best);
        var loaded = Model.Load(path);
        var saved = Weights(loaded);
        for (int i = 0; i < saved.Length; i++) Assert.Equal(weightsByEpoch[2][i], saved[i]);
        Assert.NotEqual(weightsByEpoch[4][0], saved[0]);
    }

    [Fact]
    public void MaxModeAndWeightsOnly()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var model = CallbackTests.Mlp();
        using var folder = new TempFolder();
        var weightsByEpoch = new List<float[][]>();
        var record = new LambdaCallback { EpochEnd = (_, _) => weightsByEpoch.Add(Weights(model)) };
        var checkpoint = new ModelCheckpoint(folder.File("w.safetensors"), "val_accuracy", saveBestOnly: true, saveWeightsOnly: true);
        model.Fit(x, y, epochs: 4, verbose: 0, callbacks: [Script("val_accuracy", 0.5, 0.9, 0.8, 0.7), record, checkpoint]);

        var fresh = CallbackTests.Mlp();
        fresh.LoadWeights(folder.File("w.safetensors"));
        var saved = Weights(fresh);
        for (int i = 0; i < saved.Length; i++) Assert.Equal(weightsByEpoch[1][i], saved[i]);
        Assert.Throws<DataFormatException>(() => Model.Load(folder.File("w.safetensors"))); // no architecture in it
    }

    [Fact]
    public void PathPlaceholdersFollowKeras()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        using var folder = new TempFolder();
        var checkpoint = new ModelCheckpoint(Path.Combine(folder.Path, "runs", "model-{epoch:02d}-{val_loss:.2f}-{epoch}.safetensors"));
        CallbackTests.Mlp().Fit(x, y, epochs: 3, verbose: 0, callbacks: [Script("val_loss", 0.5, 0.25, 0.125), checkpoint]);
        var names = Directory.GetFiles(Path.Combine(folder.Path, "runs")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["model-01-0.50-1.safetensors", "model-02-0.25-2.safetensors", "model-03-0.12-3.safetensors"], names);
        Assert.EndsWith("model-03-0.12-3.safetensors", checkpoint.LastSavedPath);
    }

    [Fact]
    public void UnknownPlaceholdersAndSpecsAreRejected()
    {
        var logs = new Dictionary<string, double> { ["loss"] = 1.5 };
        Assert.Equal("m-7-1.500", CheckpointPath.Format("m-{epoch}-{loss:.3f}", 7, logs));
        Assert.Equal("{7}", CheckpointPath.Format("{{{epoch}}}", 7, logs));
        Assert.Throws<ArgumentException>(() => CheckpointPath.Format("m-{acc}", 1, logs));
        Assert.Throws<ArgumentException>(() => CheckpointPath.Format("m-{epoch:x}", 1, logs));
        Assert.Throws<ArgumentException>(() => CheckpointPath.Format("m-{epoch", 1, logs));
    }

    [Fact]
    public void FilesAreReplacedAtomically()
    {
        var (x, y, _) = ModelTests.Blobs(32, 1);
        var model = CallbackTests.Mlp();
        using var folder = new TempFolder();
        string path = folder.File("last.safetensors");
        byte[]? firstBytes = null;
        FileStream? reader = null;
        // After epoch 0's save, a reader opens the file; later saves must not change what it reads
        // (a new file is renamed over the old one, never rewritten in place).
        var open = new LambdaCallback
        {
            EpochEnd = (epoch, _) =>
            {
                if (epoch != 0) return;
                firstBytes = File.ReadAllBytes(path);
                reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            },
        };
        try
        {
            model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new ModelCheckpoint(path), open]);
            var seen = new MemoryStream();
            reader!.CopyTo(seen);
            Assert.Equal(firstBytes, seen.ToArray());
            Assert.NotEqual(firstBytes, File.ReadAllBytes(path));
        }
        finally
        {
            reader?.Dispose();
        }
        Assert.Equal(["last.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.NotNull(Model.Load(path));
    }
}
