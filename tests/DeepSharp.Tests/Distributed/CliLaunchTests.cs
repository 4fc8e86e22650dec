using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// `mpiexec -n N dotnet DeepSharp.Cli.dll train mnist`: the built CLI joins the job from the
/// environment Hydra sets, rank 0 alone prints and writes the model, and the model file of 2 ranks
/// is byte for byte that of 1 rank (deterministic mode).
/// </summary>
[Collection("mpi")]
public sealed class CliLaunchTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<MpiJob.Result> Train(int ranks, string outDir, string data, params string[] extra)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(MpiJob.Mpiexec(),
            ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll"),
             "train", "mnist", "--data-dir", data, "--epochs", "1", "--batch-size", "64", "--threads", "1", "--seed", "3", "--out", outDir, .. extra])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = MpiJob.Drain(process);
        bool ended = await Task.Run(() => process.WaitForExit(TimeSpan.FromSeconds(90)));
        if (!ended) process.Kill(entireProcessTree: true);
        Assert.True(ended, "train mnist under mpiexec did not end: " + output.Invoke());
        process.WaitForExit();
        var (stdout, stderr) = output.Parts();
        return new MpiJob.Result(process.ExitCode, stdout, stderr, TimeSpan.Zero);
    }

    [Fact(Timeout = 240_000)]
    public async Task TrainMnistUnderMpiexecPrintsOnceAndWritesOneRanksModel()
    {
        string data = Directory.CreateDirectory(_root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        var one = await Train(1, _root.File("one"), data);
        Assert.True(one.Code == 0, one.All);
        var two = await Train(2, _root.File("two"), data);
        Assert.True(two.Code == 0, two.All);
        Assert.Contains("Data-parallel on 2 ranks (MPI), deterministic reduction", two.Out);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(two.Out, "Training seed:"));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(two.Out, "Test accuracy"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root.File("one"), "model.safetensors")), File.ReadAllBytes(Path.Combine(_root.File("two"), "model.safetensors")));

        // With --checkpoint-dir on two ranks rank 0 writes the checkpoints and the run ends as without.
        var checkpointed = await Train(2, _root.File("three"), data, "--checkpoint-dir", _root.File("ckpt"), "--checkpoint-every", "3");
        Assert.True(checkpointed.Code == 0, checkpointed.All);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root.File("one"), "model.safetensors")), File.ReadAllBytes(Path.Combine(_root.File("three"), "model.safetensors")));

        // --shard-optimizer: each rank keeps half of Adam's moments; with --exchange reduce-scatter each
        // rank sums half of the gradient; the model is the same, bit for bit.
        var sharded = await Train(2, _root.File("four"), data, "--shard-optimizer", "--exchange", "reduce-scatter");
        Assert.True(sharded.Code == 0, sharded.All);
        Assert.Contains("reduce-scatter, optimizer state sharded (ZeRO stage 1)", sharded.Out);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root.File("one"), "model.safetensors")), File.ReadAllBytes(Path.Combine(_root.File("four"), "model.safetensors")));
    }
}
