using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// Federated averaging on small synthetic data: it learns (IID and pathological non-IID, with FedProx
/// and the server optimizers), FedSGD over every client is one full-batch SGD step, FedProx keeps the
/// clients near the global weights, a seed gives the same bits, and bad settings are refused.
/// </summary>
public sealed class FederatedAveragingTests
{
    private const int Features = 12, Classes = 4;

    /// <summary>Noisy clusters, one per class (the same centres for every seed), in <see cref="Features"/> dimensions: (x, one-hot y, labels).</summary>
    private static (Tensor X, Tensor Y, int[] Labels) Clusters(int samples, int seed = 3)
    {
        var fixedCentres = new Random(17);
        var centres = new float[Classes, Features];
        for (int c = 0; c < Classes; c++)
            for (int f = 0; f < Features; f++) centres[c, f] = fixedCentres.NextDouble() < 0.5 ? -1f : 1f;
        var random = new Random(seed);
        var x = Tensor.Zeros(new Shape(samples, Features));
        var y = Tensor.Zeros(new Shape(samples, Classes));
        var labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            int c = labels[i] = random.Next(Classes);
            y.Span[i * Classes + c] = 1;
            for (int f = 0; f < Features; f++) x.Span[i * Features + f] = centres[c, f] + (float)(random.NextDouble() - 0.5) * 1.6f;
        }
        return (x, y, labels);
    }

    private static Sequential Mlp(long seed = 5)
    {
        RandomGenerator.SetGlobalSeed(seed);
        return new Sequential(new Dense(16, Activation.Relu, inputShape: [Features]), new Dense(Classes, Activation.Softmax));
    }

    private static double Accuracy(Model model, Tensor x, Tensor y) => model.Evaluate(x, y, batchSize: 200)["accuracy"];

    [Fact]
    public void FedAvgOnIidClientsLearns()
    {
        var (x, y, _) = Clusters(400);
        var (xTest, yTest, _) = Clusters(200, seed: 9);
        var model = Mlp();
        var fed = new FederatedAveraging(model, x, y, ClientPartition.Iid(400, 20, seed: 1), new CategoricalCrossentropy(),
            new FederatedOptions { Fraction = 0.25, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.05f });
        double before = Accuracy(model, xTest, yTest);
        var rounds = fed.Fit(6, validationData: (xTest, yTest));
        Assert.Equal(6, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(5, r.Clients.Count));
        Assert.All(rounds, r => Assert.Equal(100, r.Samples));
        Assert.True(rounds[^1].ValidationAccuracy > 0.9, $"accuracy {before:F3} → {rounds[^1].ValidationAccuracy:F3}");
        Assert.True(rounds[^1].TrainLoss < rounds[0].TrainLoss, $"loss {rounds[0].TrainLoss} → {rounds[^1].TrainLoss}");
        Assert.Equal(Accuracy(model, xTest, yTest), rounds[^1].ValidationAccuracy!.Value, 6);
    }

    [Fact]
    public void BytesPerRoundAreTheWeightsDownAndUpForEachClient()
    {
        var (x, y, _) = Clusters(100);
        var fed = new FederatedAveraging(Mlp(), x, y, ClientPartition.Iid(100, 10, seed: 1), new CategoricalCrossentropy(), new FederatedOptions { Fraction = 0.3 });
        int parameters = Features * 16 + 16 + 16 * Classes + Classes;
        Assert.Equal(parameters, fed.ParameterCount);
        Assert.Equal(3, fed.ClientsPerRound);
        Assert.Equal(2L * 3 * 4 * parameters, fed.BytesPerRound);
        var round = fed.RunRound();
        Assert.Equal(3L * 4 * parameters, round.BytesUp);
        Assert.Equal(round.BytesUp, round.BytesDown);
        Assert.Null(round.ValidationAccuracy);
    }

    [Fact]
    public void FedSgdOverEveryClientIsOneFullBatchSgdStep()
    {
        // Σₖ (nₖ/n)(w − η gₖ) = w − η g for a mean loss, with unequal clients too.
        var (x, y, _) = Clusters(90);
        int[][] clients = [[.. Enumerable.Range(0, 20)], [.. Enumerable.Range(20, 30)], [.. Enumerable.Range(50, 40)]];
        var federated = Mlp();
        var fed = new FederatedAveraging(federated, x, y, clients, new CategoricalCrossentropy(), FederatedOptions.FedSgd(fraction: 1.0, learningRate: 0.3f));
        var start = federated.GetWeights();
        fed.RunRound();

        var central = Mlp(seed: 99);
        central.SetWeights(start);
        central.Compile(new Sgd(0.3f), new CategoricalCrossentropy());
        central.TrainOnBatch(x, y);
        var expected = central.GetWeights();
        var actual = federated.GetWeights();
        for (int i = 0; i < expected.Count; i++)
        {
            float[] e = expected[i].ToArray(), a = actual[i].ToArray(), s = start[i].ToArray();
            bool moved = false;
            for (int j = 0; j < e.Length; j++)
            {
                Assert.True(Math.Abs(e[j] - a[j]) <= 1e-5f, $"weight {i}[{j}]: central {e[j]:R}, federated {a[j]:R}");
                moved |= Math.Abs(e[j] - s[j]) > 1e-4f;
            }
            Assert.True(moved, $"weight {i} did not move");
        }
    }

    [Fact]
    public void NonIidClientsLearnWithFedAvgFedProxAndTheServerOptimizers()
    {
        var (x, y, labels) = Clusters(400);
        var (xTest, yTest, _) = Clusters(200, seed: 9);
        var clients = ClientPartition.Pathological(labels, clients: 20, shardsPerClient: 2, seed: 1);
        FederatedOptions[] variants =
        [
            new() { Fraction = 0.5, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.05f },
            new() { Fraction = 0.5, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.05f, ProximalMu = 0.1f },
            new() { Fraction = 0.5, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.05f, ServerOptimizer = ServerOptimizer.Momentum, ServerMomentum = 0.5f },
            new() { Fraction = 0.5, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.05f, ServerOptimizer = ServerOptimizer.Adam, ServerLearningRate = 0.03f },
        ];
        foreach (var options in variants)
        {
            var model = Mlp();
            var fed = new FederatedAveraging(model, x, y, clients, new CategoricalCrossentropy(), options);
            var rounds = fed.Fit(8, validationData: (xTest, yTest), evaluateEvery: 4);
            Assert.Null(rounds[0].ValidationAccuracy);
            Assert.True(rounds[^1].ValidationAccuracy > 0.8, $"{options}: accuracy {rounds[^1].ValidationAccuracy:F3}");
        }
    }

    [Fact]
    public void TheProximalTermKeepsAClientNearTheGlobalWeights()
    {
        var (x, y, _) = Clusters(100);
        double Drift(float mu)
        {
            var model = Mlp();
            var fed = new FederatedAveraging(model, x, y, [[.. Enumerable.Range(0, 100)]], new CategoricalCrossentropy(),
                new FederatedOptions { Fraction = 1, LocalEpochs = 3, LocalBatchSize = 10, LearningRate = 0.1f, ProximalMu = mu });
            var start = model.GetWeights();
            fed.RunRound();
            var end = model.GetWeights();
            double sum = 0;
            for (int i = 0; i < start.Count; i++)
                for (int j = 0; j < start[i].Span.Length; j++) sum += Math.Pow(end[i].Span[j] - start[i].Span[j], 2);
            return Math.Sqrt(sum);
        }
        double plain = Drift(0), prox = Drift(2f);
        Assert.True(prox < 0.8 * plain, $"drift with μ=2 {prox:F4}, without {plain:F4}");
    }

    [Fact]
    public void TheSameSeedGivesTheSameBits()
    {
        var (x, y, _) = Clusters(200);
        float[] Run(long seed)
        {
            var model = Mlp();
            new FederatedAveraging(model, x, y, ClientPartition.Iid(200, 10, seed: 1), new CategoricalCrossentropy(),
                new FederatedOptions { Fraction = 0.3, LocalEpochs = 1, LocalBatchSize = 4, Seed = seed }).Fit(3);
            return [.. model.GetWeights().SelectMany(w => w.ToArray())];
        }
        Assert.Equal(Run(4), Run(4));
        Assert.NotEqual(Run(4), Run(5));
    }

    [Fact]
    public void BadSettingsAreRefusedByName()
    {
        var (x, y, _) = Clusters(20);
        var loss = new CategoricalCrossentropy();
        Assert.Contains("Fraction", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FederatedAveraging(Mlp(), x, y, [[0]], loss, new FederatedOptions { Fraction = 0 })).Message);
        Assert.Contains("LocalEpochs", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FederatedAveraging(Mlp(), x, y, [[0]], loss, new FederatedOptions { LocalEpochs = 0 })).Message);
        Assert.Contains("ProximalMu", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new FederatedAveraging(Mlp(), x, y, [[0]], loss, new FederatedOptions { ProximalMu = -1 })).Message);
        Assert.Contains("sample 20", Assert.Throws<ArgumentException>(() =>
            new FederatedAveraging(Mlp(), x, y, [[0, 20]], loss, new FederatedOptions())).Message);
        Assert.Contains("client 1", Assert.Throws<ArgumentException>(() =>
            new FederatedAveraging(Mlp(), x, y, [[0], []], loss, new FederatedOptions())).Message);
        Assert.Throws<ShapeMismatchException>(() =>
            new FederatedAveraging(Mlp(), x, Tensor.Zeros(new Shape(5, Classes)), [[0]], loss, new FederatedOptions()));
    }

    [Fact]
    public void ADivergedClientIsReportedNotAveraged()
    {
        var (x, y, _) = Clusters(40);
        var huge = Tensor.FromArray(y.ToArray().Select(v => v * 1e30f).ToArray(), y.Shape);
        var fed = new FederatedAveraging(Mlp(), x, huge, ClientPartition.Iid(40, 2, seed: 1), new DeepSharp.Losses.MeanSquaredError(),
            new FederatedOptions { Fraction = 1, LocalEpochs = 3, LocalBatchSize = 4, LearningRate = 1e10f });
        var e = Assert.Throws<FederatedDivergenceException>(() => fed.RunRound());
        Assert.Equal(1, e.Round);
        Assert.Contains("learning rate", e.Message);
        Assert.Contains("dense", e.Weight);
    }
}
