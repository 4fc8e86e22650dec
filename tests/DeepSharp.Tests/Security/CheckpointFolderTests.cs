using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, findings 6 and 8 in the library: a corrupt latest checkpoint is quarantined rather than
/// rotated over the good previous one; a checkpoint folder is locked while a Fit uses it; a resume
/// whose settings differ from the checkpoint's is refused, naming them.
/// </summary>
public sealed class CheckpointFolderTests : IDisposable
{
    private const int Samples = 40, BatchSize = 8; // 5 steps per epoch

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed class CrashException : Exception;

    private sealed class Crash(int afterSteps) : Callback
    {
        private int _steps;
        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++_steps == afterSteps) throw new CrashException();
        }
    }

    private static (Sequential Model, Tensor X, Tensor Y) Setup(float dropout = 0.2f, Optimizer? optimizer = null)
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [3]), new Dropout(dropout), new Dense(2, Activation.Softmax));
        model.Compile(optimizer ?? new Adam(), new CategoricalCrossentropy());
        var x = Tensor.RandomUniform(new Shape(Samples, 3), 0f, 1f, new RandomGenerator(1));
        var labels = Enumerable.Range(0, Samples).Select(i => i % 2).ToArray();
        return (model, x, DataUtils.ToCategorical(Tensor.FromArray(labels, Samples), 2));
    }

    /// <summary>Trains into the folder and "crashes" after <paramref name="steps"/> steps, leaving its checkpoints.</summary>
    private void CrashedRun(int steps, IReadOnlyDictionary<string, string>? settings = null, int batchSize = BatchSize)
    {
        var (model, x, y) = Setup();
        Assert.Throws<CrashException>(() => model.Fit(x, y, batchSize, epochs: 4, verbose: 0,
            callbacks: [new BackupAndRestore(_folder.Path, saveEveryNSteps: 2, runSettings: settings), new Crash(steps)]));
    }

    private string[] Files() => Directory.GetFiles(_folder.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Finding 6: after the fallback from a corrupt latest, the next save must not rotate the corrupt file
    /// over the good previous one (a kill before the new latest is complete would leave only corrupt files).
    /// </summary>
    [Fact]
    public void FallbackQuarantinesTheCorruptLatest()
    {
        CrashedRun(7); // checkpoints after steps 4 (previous) and 6 (latest)
        string latest = Path.Combine(_folder.Path, BackupAndRestore.LatestFileName), previous = Path.Combine(_folder.Path, BackupAndRestore.PreviousFileName);
        var corrupt = File.ReadAllBytes(latest);
        corrupt[^6] ^= 0x10; // in the last tensor's data: only the checksum can tell
        File.WriteAllBytes(latest, corrupt);
        var good = File.ReadAllBytes(previous);

        // Resume, and stop at the first save after the fallback: just after its rotation, before the new latest is written.
        var (model, x, y) = Setup();
        var backup = new BackupAndRestore(_folder.Path, saveEveryNSteps: 2);
        byte[]? previousAtFirstSave = null;
        var probe = new LambdaCallback { BatchBegin = _ => previousAtFirstSave ??= File.Exists(latest) ? File.ReadAllBytes(previous) : null };
        Assert.Throws<CrashException>(() => model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [backup, new Crash(3), probe]));

        Assert.Equal(good, previousAtFirstSave); // the first save after the fallback left the good previous in place
        Assert.Equal(previous, backup.Restored!.Path);
        Assert.Contains("checksum mismatch", backup.Restored.FallbackReason);
        Assert.Contains("moved aside as ckpt-latest.corrupt-", backup.Restored.FallbackReason);
        var quarantined = Files().Single(n => n.StartsWith("ckpt-latest.corrupt-", StringComparison.Ordinal));
        Assert.Matches(@"^ckpt-latest\.corrupt-\d{8}-\d{6}\.safetensors$", quarantined);
        Assert.Equal(corrupt, File.ReadAllBytes(Path.Combine(_folder.Path, quarantined)));
        // Both files in rotation now load: the good previous was never overwritten by the corrupt latest.
        Checkpoint.Load(latest);
        Checkpoint.Load(previous);
        Assert.Equal(new[] { BackupAndRestore.LockFileName, BackupAndRestore.LatestFileName, BackupAndRestore.PreviousFileName, quarantined }.Order(StringComparer.Ordinal), Files());

        // A kill between the rotation and the write of the first new latest leaves the good previous.
        File.Delete(latest);
        (model, x, y) = Setup();
        backup = new BackupAndRestore(_folder.Path, saveEveryNSteps: 2);
        model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [backup]);
        Assert.Equal(previous, backup.Restored!.Path);
        Assert.Null(backup.Restored.FallbackReason);
    }

    /// <summary>Finding 8: a second Fit into a folder another Fit is using fails at once, naming the folder; the lock ends with the first Fit, even when it throws.</summary>
    [Fact]
    public void ASecondRunIntoTheSameFolderIsRefused()
    {
        DeepSharpException? refused = null;
        var (model, x, y) = Setup();
        var intruder = new LambdaCallback
        {
            BatchEnd = (step, _) =>
            {
                if (step != 1 || refused is not null) return;
                var (other, ox, oy) = Setup();
                refused = Assert.Throws<DeepSharpException>(() => other.Fit(ox, oy, BatchSize, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]));
            },
        };
        model.Fit(x, y, BatchSize, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path), intruder]);
        Assert.NotNull(refused);
        Assert.Contains($"Checkpoint folder '{_folder.Path}' is in use by another training run", refused.Message);
        Assert.Contains(BackupAndRestore.LockFileName, refused.Message);

        // Released when Fit ends, and when it throws.
        CrashedRun(3);
        (model, x, y) = Setup();
        model.Fit(x, y, BatchSize, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]);
    }

    /// <summary>Finding 8: the issue's restart with another batch size continued a batch-128 pass at batch 64; now it is refused and nothing changes.</summary>
    [Fact]
    public void ResumeWithAnotherBatchSizeIsRefused()
    {
        CrashedRun(3, batchSize: 8);
        var before = Files().ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(_folder.Path, n)));
        var (model, x, y) = Setup();
        var e = Assert.Throws<DeepSharpException>(() => model.Fit(x, y, batchSize: 4, epochs: 4, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]));
        Assert.Contains("batch_size 8 in the checkpoint, 4 in this run", e.Message);
        Assert.Contains("batches_per_pass 5 in the checkpoint, 10 in this run", e.Message);
        Assert.Contains(BackupAndRestore.LatestFileName, e.Message);
        Assert.Equal(before.Keys, Files());
        foreach (var (name, bytes) in before)
            if (name != BackupAndRestore.LockFileName) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_folder.Path, name)));
    }

    [Fact]
    public void ResumeWithAnotherArchitectureOrOptimizerIsRefused()
    {
        CrashedRun(3);
        var (model, x, y) = Setup(dropout: 0.5f); // same weights, another architecture
        var e = Assert.Throws<DeepSharpException>(() => model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]));
        Assert.Contains("model ", e.Message);
        Assert.DoesNotContain("batch_size", e.Message);

        (model, x, y) = Setup(optimizer: new Sgd(0.01f));
        e = Assert.Throws<DeepSharpException>(() => model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]));
        Assert.Contains("optimizer adam in the checkpoint, sgd in this run", e.Message);

        (model, x, y) = Setup(optimizer: new Adam { GradientAccumulationSteps = 2 });
        e = Assert.Throws<DeepSharpException>(() => model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [new BackupAndRestore(_folder.Path)]));
        Assert.Contains("gradient_accumulation_steps (not set) in the checkpoint, 2 in this run", e.Message);
    }

    /// <summary>The caller's settings (the CLI's --seed, --model, ...) are recorded and compared too, missing ones included.</summary>
    [Fact]
    public void ResumeWithOtherRunSettingsIsRefused()
    {
        CrashedRun(3, new Dictionary<string, string> { ["--seed"] = "7", ["--model"] = "seed" });
        var (model, x, y) = Setup();
        var e = Assert.Throws<DeepSharpException>(() => model.Fit(x, y, BatchSize, epochs: 4, verbose: 0,
            callbacks: [new BackupAndRestore(_folder.Path, runSettings: new Dictionary<string, string> { ["--seed"] = "8" })]));
        Assert.Contains("--model seed in the checkpoint, (not set) in this run; --seed 7 in the checkpoint, 8 in this run", e.Message);

        (model, x, y) = Setup();
        var backup = new BackupAndRestore(_folder.Path, runSettings: new Dictionary<string, string> { ["--seed"] = "7", ["--model"] = "seed" });
        model.Fit(x, y, BatchSize, epochs: 4, verbose: 0, callbacks: [backup]);
        Assert.NotNull(backup.Restored);
    }

    /// <summary>The settings travel in the checkpoint, under its checksum.</summary>
    [Fact]
    public void SettingsAreRecordedInTheCheckpoint()
    {
        CrashedRun(3, new Dictionary<string, string> { ["--seed"] = "7" });
        var c = Checkpoint.Load(Path.Combine(_folder.Path, BackupAndRestore.LatestFileName));
        Assert.Equal("8", c.FitSettings!["batch_size"]);
        Assert.Equal("40", c.FitSettings["samples"]);
        Assert.Equal("5", c.FitSettings["steps_per_epoch"]);
        Assert.Equal("adam", c.FitSettings["optimizer"]);
        Assert.Equal(16, c.FitSettings["model"].Length);
        Assert.Equal("7", c.RunSettings!["--seed"]);
    }
}
