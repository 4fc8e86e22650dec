using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train mnist --federated ...</c>: McMahan et al.'s MNIST experiment — the training set
/// split among K clients (IID or pathological non-IID), their CNN, each round C·K clients training
/// E epochs of plain SGD from the global weights, the server averaging them by sample counts — with
/// the test accuracy after every round (or every --eval-every) and the bytes each round moves. Under
/// mpiexec the clients of each round spread over the ranks, with the same bits as one process.
/// With --out it writes the final global model and rounds.csv (one line per round). With --checkpoint-dir
/// the run's state is saved atomically every --checkpoint-every rounds (0: every round), and the same
/// command started again after a kill continues from the last checkpoint to the same bits.
/// </summary>
internal static class FederatedMnistCommand
{
    /// <summary>The paper's CNN: 5×5 convolutions of 32 and 64 channels ('same' padding, ReLU), each followed by 2×2 max pooling, Dense 512 ReLU, Dense 10 softmax: 1,663,370 weights.</summary>
    internal static Sequential PaperCnn() => new(
        new Conv2D(32, (5, 5), padding: Padding.Same, activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (5, 5), padding: Padding.Same, activation: Activation.Relu),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(512, Activation.Relu),
        new Dense(10, Activation.Softmax));

    public static int Run(FederatedMnistOptions o, CheckpointOptions checkpoints, ParseResult result, long seed, int threads, DirectoryInfo? dataDir, DirectoryInfo? output)
    {
        if (output is not null) Directory.CreateDirectory(output.FullName);
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);
        if (result.GetValue(o.DpNoise) > 0 && result.GetValue(o.DpClip) == 0)
            throw new ArgumentException("--dp-noise needs --dp-clip: the noise's standard deviation is z times the clip norm C.");
        var options = o.Read(result, seed);
        int clients = result.GetValue(o.Clients), rounds = result.GetValue(o.Rounds);
        double target = result.GetValue(o.Target);

        var clock = Stopwatch.StartNew();
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(dataDir?.FullName);
        Console.WriteLine($"MNIST: {xTrain.Shape[0]} training and {xTest.Shape[0]} test images, loaded in {clock.Elapsed.TotalSeconds:F1}s.");
        int[] labels = yTrain.ToIntArray();
        int[][] partition = result.GetValue(o.Partition) == "pathological"
            ? ClientPartition.Pathological(labels, clients, shardsPerClient: 2, seed)
            : ClientPartition.Iid(xTrain.Shape[0], clients, seed);

        var model = PaperCnn();
        var fed = new FederatedAveraging(model, xTrain, DataUtils.ToCategorical(yTrain, 10), partition, new CategoricalCrossentropy(), options, CliDistributed.Strategy);
        var testTargets = DataUtils.ToCategorical(yTest, 10);
        Console.WriteLine($"Federated {options}; {o.Describe(result)}; {fed.ClientsPerRound} clients per round, {threads} threads." +
            (CliDistributed.Strategy is { } s ? $" Clients spread over {s.WorldSize} rank{(s.WorldSize == 1 ? "" : "s")}." : " Clients simulated in turn."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The paper's CNN: {fed.ParameterCount:N0} weights; each round sends {fed.BytesPerRound / 2 / 1e6:F1} MB down and {fed.BytesPerRound / 2 / 1e6:F1} MB up ({fed.BytesPerRound / 1e6:F1} MB)."));

        FederatedBackup? backup = null;
        if (result.GetValue(checkpoints.Directory) is { } checkpointDir)
        {
            int every = result.GetValue(checkpoints.Every);
            backup = new FederatedBackup(checkpointDir.FullName, every == 0 ? 1 : every, runSettings: new Dictionary<string, string>
            {
                ["data_dir"] = dataDir?.FullName ?? "(default)",
                ["partition"] = result.GetValue(o.Partition)!,
            });
            backup.Resumed += r => Console.WriteLine(
                $"Resumed from round {r.Round} ({r.Path}{(r.FallbackReason is null ? "" : "; the latest checkpoint was unusable: " + r.FallbackReason)}).");
        }
        var history = fed.Fit(rounds, (xTest, testTargets), target > 0 ? target : null, result.GetValue(o.EvalEvery), round =>
        {
            string accuracy = round.ValidationAccuracy is { } a ? a.ToString("F4", CultureInfo.InvariantCulture) : "-";
            string loss = round.ValidationLoss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Round {round.Round}/{rounds} - clients {string.Join(' ', round.Clients)} - train loss {round.TrainLoss:F4} - test loss {loss} - test accuracy {accuracy}{Privacy(round, options)} - {round.Seconds:F1}s"));
        }, backup: backup);
        // With differential privacy two more columns before the seconds (the last column stays the only timed one).
        bool dp = options.DifferentiallyPrivate;
        var csv = new StringBuilder($"round,clients,train_loss,test_loss,test_accuracy,bytes_down,bytes_up,{(dp ? "clipped,epsilon," : "")}seconds\n");
        foreach (var round in history)
            csv.Append(CultureInfo.InvariantCulture, $"{round.Round},{string.Join(' ', round.Clients)},{round.TrainLoss:R},{round.ValidationLoss:R},{round.ValidationAccuracy:R},{round.BytesDown},{round.BytesUp},{(dp ? $"{round.ClippedClients},{round.Epsilon:R}," : "")}{round.Seconds:F2}\n");
        int? reached = target > 0 ? history.FirstOrDefault(r => r.ValidationAccuracy >= target)?.Round : null;
        string last = history[^1].ValidationAccuracy is { } final ? final.ToString("F4", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine(reached is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"Reached {target:P1} test accuracy in {r} rounds ({clock.Elapsed.TotalMinutes:F1} min).")
            : target > 0
                ? string.Create(CultureInfo.InvariantCulture, $"Did not reach {target:P1} in {history.Count} rounds; last test accuracy {last}.")
                : $"Ran {history.Count} rounds; last test accuracy {last}.");
        if (output is not null && CliDistributed.IsChief)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors");
            string roundsPath = Path.Combine(output.FullName, "rounds.csv");
            model.Save(modelPath, includeOptimizer: false); // the global model: its optimizer's state is the last client's, not the run's
            // Written whole or not at all: a temporary beside it, then renamed over it.
            string temporary = roundsPath + $".tmp-{Environment.ProcessId}";
            File.WriteAllText(temporary, csv.ToString());
            File.Move(temporary, roundsPath, overwrite: true);
            Console.WriteLine($"Wrote {modelPath} and {roundsPath}.");
        }
        return 0;
    }

    /// <summary>" - clipped 3/10 - ε 1.23 (δ 1e-05)" for a round of a differentially private run; empty otherwise.</summary>
    private static string Privacy(FederatedRound round, FederatedOptions options) =>
        round.Epsilon is { } epsilon
            ? string.Create(CultureInfo.InvariantCulture, $" - clipped {round.ClippedClients}/{round.Clients.Count} - ε {epsilon:F3} (δ {options.DpDelta:G3})")
            : "";
}
