using System.Globalization;
using DeepSharp.Distributed;
using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.DistributedHost;

/// <summary>
/// <c>federated --out DIR [--clients 6] [--fraction 0.5] [--rounds 3] [--local-epochs 2] [--local-batch 5]
/// [--mu 0] [--server avg|momentum|adam] [--seed 7] [--seed-per-rank 0|1]</c>: federated averaging of a
/// small CNN over synthetic 12×12 images (10 per client), the clients simulated in turn (started alone)
/// or spread over the job's ranks (under mpiexec); each rank writes the final global weights to
/// DIR/weights-rankR.bin (raw float32) and the rounds' losses to DIR/loss-rankR.txt.
/// </summary>
internal static class FederatedHostCommand
{
    public static int Run(HostArguments a)
    {
        var strategy = DistributedStrategy.IsMpiLaunch ? DistributedStrategy.FromEnvironment() : null;
        int rank = strategy?.Rank ?? 0;
        string outDir = a.Text("out", ".");
        Directory.CreateDirectory(outDir);
        // A rank's own seed may differ: rank 0's initial weights are broadcast.
        RandomGenerator.SetGlobalSeed(a.Long("seed", 7) + (a.Int("seed-per-rank", 0) != 0 ? 1000 * rank : 0));
        DeepSharp.Threads.Count = 1;

        int clients = a.Int("clients", 6);
        var random = new Random(42);
        var x = Tensor.Zeros(new Shape(clients * 10, 12, 12, 1));
        var y = Tensor.Zeros(new Shape(clients * 10, 10));
        for (int i = 0; i < clients * 10; i++)
        {
            int label = random.Next(10);
            y.Span[i * 10 + label] = 1;
            for (int p = 0; p < 144; p++) x.Span[i * 144 + p] = (float)random.NextDouble() * 0.5f + (p % 10 == label ? 0.5f : 0f);
        }
        var model = new Sequential(
            new Conv2D(4, (3, 3), activation: Activation.Relu, inputShape: [12, 12, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(16, Activation.Relu),
            new Dense(10, Activation.Softmax));
        var options = new FederatedOptions
        {
            Fraction = double.Parse(a.Text("fraction", "0.5"), CultureInfo.InvariantCulture),
            LocalEpochs = a.Int("local-epochs", 2),
            LocalBatchSize = a.Int("local-batch", 5),
            LearningRate = 0.05f,
            ProximalMu = float.Parse(a.Text("mu", "0"), CultureInfo.InvariantCulture),
            ServerOptimizer = a.Text("server", "avg") switch
            {
                "momentum" => ServerOptimizer.Momentum,
                "adam" => ServerOptimizer.Adam,
                _ => ServerOptimizer.Average,
            },
            Seed = 11,
        };
        var fed = new FederatedAveraging(model, x, y, ClientPartition.Iid(clients * 10, clients, seed: 3), new CategoricalCrossentropy(), options, strategy);
        var rounds = fed.Fit(a.Int("rounds", 3));

        using (var file = File.Create(Path.Combine(outDir, $"weights-rank{rank}.bin")))
            foreach (var p in model.Parameters)
                foreach (float v in p.Value.Span) file.Write(BitConverter.GetBytes(v));
        File.WriteAllLines(Path.Combine(outDir, $"loss-rank{rank}.txt"),
            rounds.Select(r => $"{r.Round} {string.Join(',', r.Clients)} {r.TrainLoss.ToString("R", CultureInfo.InvariantCulture)}"));
        if (rank == 0) Console.WriteLine($"federated: {rounds.Count} rounds of {fed.ClientsPerRound} clients on {strategy?.ToString() ?? "one process"}");
        return 0;
    }
}
