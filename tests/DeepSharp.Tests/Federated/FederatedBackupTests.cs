using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// FederatedBackup: a run stopped after any round (cancelled, or "killed": only the checkpoint files it
/// had written survive) resumes to bitwise the global weights and the accuracy curve of the uninterrupted
/// run, with FedAvg, FedAvgM and FedAdam; another run's checkpoint is refused, a corrupt latest falls back.
/// </summary>
public sealed class FederatedBackupTests : IDisposable
{
    private const int Features = 6, Classes = 3, Samples = 120;
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private static (Tensor X, Tensor Y) Data(int seed) => SeparableClasses.Make(Samples, Features, Classes, seed);

    private static readonly (Tensor X, Tensor Y) Train = Data(1), Test = Data(2);

    /// <summary>A run of a small MLP (with dropout, so the clients' random draws matter too); <paramref name="initSeed"/> draws its initial weights.</summary>
    private static FederatedAveraging Federated(FederatedOptions options, long initSeed = 5)
    {
        RandomGenerator.SetGlobalSeed(initSeed);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [Features]), new Dropout(0.1f), new Dense(Classes, Activation.Softmax));
        var fed = new FederatedAveraging(model, Train.X, Train.Y, ClientPartition.Iid(Samples, 12, seed: 3), new CategoricalCrossentropy(), options);
        Models.Add(fed, model);
        return fed;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FederatedAveraging, Model> Models = [];

    /// <summary>The global weights the run's model holds.</summary>
    private static float[] Weights(FederatedAveraging fed) =>
        Models.TryGetValue(fed, out var model) ? [.. model.GetWeights().SelectMany(w => w.ToArray())] : throw new InvalidOperationException();

    public static TheoryData<ServerOptimizer> Servers => [ServerOptimizer.Average, ServerOptimizer.Momentum, ServerOptimizer.Adam];

    private static FederatedOptions Options(ServerOptimizer server) => new()
    {
        Fraction = 0.25, LocalEpochs = 2, LocalBatchSize = 4, LearningRate = 0.05f, ServerOptimizer = server,
        ServerLearningRate = server == ServerOptimizer.Adam ? 0.02f : 0.7f, ServerMomentum = 0.5f,
    };

    private static (float[] Weights, List<double?> Curve) Uninterrupted(FederatedOptions options, int rounds, Action<int>? afterRound = null)
    {
        var fed = Federated(options);
        var history = fed.Fit(rounds, Test, onRound: r => afterRound?.Invoke(r.Round));
        return (Weights(fed), history.Select(r => r.ValidationAccuracy).ToList());
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public void ACancelledRunResumesToTheSameBitsAndCurve(ServerOptimizer server)
    {
        var options = Options(server);
        var (expected, curve) = Uninterrupted(options, 6);

        string dir = _root.File("cancelled-" + server);
        using var stop = new CancellationTokenSource();
        var first = Federated(options);
        var part = first.Fit(6, Test, onRound: r => { if (r.Round == 2) stop.Cancel(); }, cancellationToken: stop.Token, backup: new FederatedBackup(dir));
        Assert.Equal(2, part.Count);
        Assert.True(File.Exists(Path.Combine(dir, FederatedBackup.LatestFileName)));

        // A new process would build the model afresh, with other initial weights: the checkpoint's win.
        var second = Federated(options, initSeed: 77);
        var backup = new FederatedBackup(dir);
        var history = second.Fit(6, Test, backup: backup);
        Assert.Equal(2, backup.Restored!.Round);
        Assert.Equal(6, second.Round);
        Assert.Equal(curve, history.Select(r => r.ValidationAccuracy));
        Assert.Equal(expected, Weights(second));
        Assert.False(File.Exists(Path.Combine(dir, FederatedBackup.LatestFileName)), "a finished run deletes its checkpoints");
    }

    [Fact]
    public void AKilledRunResumesFromTheFilesItLeftToTheSameBits()
    {
        var options = Options(ServerOptimizer.Adam);
        string dir = _root.File("run"), killed = _root.File("killed");
        var fed = Federated(options);
        // The files as a SIGKILL in round 4 would leave them: checkpoints of rounds 2 and 3 (saved every round).
        var history = fed.Fit(5, Test, onRound: r =>
        {
            if (r.Round != 4) return;
            Directory.CreateDirectory(killed);
            foreach (string name in new[] { FederatedBackup.LatestFileName, FederatedBackup.PreviousFileName })
                File.Copy(Path.Combine(dir, name), Path.Combine(killed, name));
        }, backup: new FederatedBackup(dir, deleteCheckpoint: false));
        var expected = Weights(fed);

        var resumed = Federated(options, initSeed: 9);
        var backup = new FederatedBackup(killed);
        var again = resumed.Fit(5, Test, backup: backup);
        Assert.Equal(3, backup.Restored!.Round);
        Assert.Null(backup.Restored.FallbackReason);
        Assert.Equal(history.Select(r => r.ValidationAccuracy), again.Select(r => r.ValidationAccuracy));
        Assert.Equal(history.Select(r => r.TrainLoss), again.Select(r => r.TrainLoss));
        Assert.Equal(expected, Weights(resumed));
        Assert.True(File.Exists(Path.Combine(dir, FederatedBackup.LatestFileName)), "deleteCheckpoint: false keeps them");
    }

    [Fact]
    public void ACorruptLatestFallsBackToThePreviousAndIsMovedAside()
    {
        var options = Options(ServerOptimizer.Momentum);
        var (expected, _) = Uninterrupted(options, 4);
        string dir = _root.File("corrupt");
        using var stop = new CancellationTokenSource();
        Federated(options).Fit(4, Test, onRound: r => { if (r.Round == 3) stop.Cancel(); }, cancellationToken: stop.Token, backup: new FederatedBackup(dir));
        string latest = Path.Combine(dir, FederatedBackup.LatestFileName);
        var bytes = File.ReadAllBytes(latest);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(latest, bytes);

        var fed = Federated(options);
        var backup = new FederatedBackup(dir);
        fed.Fit(4, Test, backup: backup);
        Assert.Equal(2, backup.Restored!.Round);
        Assert.Contains("checksum", backup.Restored.FallbackReason);
        Assert.Single(Directory.GetFiles(dir, "federated-latest.corrupt-*"));
        Assert.Equal(expected, Weights(fed));
    }

    [Fact]
    public void AnotherRunsCheckpointIsRefusedNamingTheDifference()
    {
        string dir = _root.File("other");
        using var stop = new CancellationTokenSource();
        Federated(Options(ServerOptimizer.Average)).Fit(3, Test, onRound: _ => stop.Cancel(), cancellationToken: stop.Token, backup: new FederatedBackup(dir));
        var other = new FederatedOptions { Fraction = 0.25, LocalEpochs = 2, LocalBatchSize = 4, LearningRate = 0.01f };
        var e = Assert.Throws<DeepSharpException>(() => Federated(other).Fit(3, Test, backup: new FederatedBackup(dir)));
        Assert.Contains("learning_rate 0.05 in the checkpoint, 0.01 in this run", e.Message);
        var settings = Assert.Throws<DeepSharpException>(() =>
            Federated(Options(ServerOptimizer.Average)).Fit(3, Test, backup: new FederatedBackup(dir, runSettings: new Dictionary<string, string> { ["data"] = "b" })));
        Assert.Contains("run.data (not set) in the checkpoint, b in this run", settings.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedBackup(dir, saveEveryNRounds: 0));
    }

    [Fact]
    public void SavesEveryNRoundsAndAfterTheLast()
    {
        string dir = _root.File("every");
        var saved = new List<int>();
        var fed = Federated(Options(ServerOptimizer.Average));
        var backup = new FederatedBackup(dir, saveEveryNRounds: 2, deleteCheckpoint: false);
        fed.Fit(5, Test, onRound: r =>
        {
            // onRound runs before the round's save: the latest file holds the round saved before.
            string latest = Path.Combine(dir, FederatedBackup.LatestFileName);
            saved.Add(File.Exists(latest) ? FederatedCheckpoint.Load(latest).Round : 0);
        }, backup: backup);
        Assert.Equal([0, 0, 2, 2, 4], saved);
        Assert.Equal(5, FederatedCheckpoint.Load(Path.Combine(dir, FederatedBackup.LatestFileName)).Round);
    }
}
