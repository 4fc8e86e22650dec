using DeepSharp.Data;
using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Docs;
using DeepSharp.Training;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// The examples of docs/applications.md's "Federated learning": the paper's CNN (its weight count
/// checked), and the FedAvg and FedProx + FedAvgM runs on small synthetic 28×28 images with a
/// small model in its place, so that they take a second.
/// </summary>
public sealed class FederatedDocTests
{
    [Fact]
    public void EveryExampleOfTheSectionIsHere() =>
        MarkdownExamples.AssertAllIn("applications.md", "Federated/FederatedDocTests.cs", expectedBlocks: 5, section: "## Federated learning");

    [Fact]
    public void ThePapersCnnHasItsWeightCount()
    {
        var model = new Sequential(
            new Conv2D(32, (5, 5), padding: Padding.Same, activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (5, 5), padding: Padding.Same, activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(512, Activation.Relu),
            new Dense(10, Activation.Softmax));

        model.Build(new Shape(28, 28, 1));
        Assert.Equal(1_663_370, model.Parameters.Sum(p => p.Value.Span.Length));
    }

    /// <summary>Images whose label is where a bright 7×7 square sits (10 places), with noise.</summary>
    private static (Tensor X, Tensor Y) Squares(int count, int seed)
    {
        var random = new Random(seed);
        var x = Tensor.Zeros(new Shape(count, 28, 28, 1));
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labels[i] = i % 10;
            int top = label / 5 * 14 + 3, left = label % 5 * 5;
            for (int p = 0; p < 784; p++) x.Span[i * 784 + p] = (float)random.NextDouble() * 0.3f;
            for (int r = top; r < top + 7; r++)
                for (int c = left; c < left + 3; c++) x.Span[i * 784 + r * 28 + c] += 0.7f;
        }
        return (x, Tensor.FromArray(labels, count));
    }

    [Fact]
    public void FedAvgThenFedProxWithServerMomentum()
    {
        var (x, y) = Squares(200, seed: 1);
        var (xTest, yTest) = Squares(100, seed: 2);
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Flatten(inputShape: [28, 28, 1]), new Dense(10, Activation.Softmax));

        // x: (samples, 28, 28, 1) images and y: their int32 labels, e.g. var ((x, y), (xTest, yTest)) = Mnist.Load();
        int[][] clients = ClientPartition.Iid(x.Shape[0], clients: 100, seed: 1);
        var fed = new FederatedAveraging(model, x, DataUtils.ToCategorical(y, 10), clients, new CategoricalCrossentropy(),
            new FederatedOptions { Fraction = 0.1, LocalEpochs = 5, LocalBatchSize = 10, LearningRate = 0.1f, Seed = 1 });
        var rounds = fed.Fit(rounds: 50, validationData: (xTest, DataUtils.ToCategorical(yTest, 10)), targetAccuracy: 0.99,
            onRound: r => Console.WriteLine($"round {r.Round}: test accuracy {r.ValidationAccuracy:F4}"));
        Console.WriteLine($"{rounds.Count} rounds, {fed.BytesPerRound / 1e6:F1} MB per round");

        Assert.True(rounds[^1].ValidationAccuracy >= 0.99, $"accuracy {rounds[^1].ValidationAccuracy} after {rounds.Count} rounds");
        Assert.True(rounds.Count < 50);
        Assert.Equal(2L * 10 * 4 * 7850, fed.BytesPerRound);

        int[][] nonIid = ClientPartition.Pathological(y.ToIntArray(), clients: 100, shardsPerClient: 2, seed: 1);
        var options = new FederatedOptions
        {
            Fraction = 0.1, LocalEpochs = 5, LocalBatchSize = 10, LearningRate = 0.1f,
            ProximalMu = 0.01f,
            ServerOptimizer = ServerOptimizer.Momentum, ServerLearningRate = 1f, ServerMomentum = 0.9f,
        };
        var fedProx = new FederatedAveraging(model, x, DataUtils.ToCategorical(y, 10), nonIid, new CategoricalCrossentropy(), options);
        FederatedRound first = fedProx.RunRound((xTest, DataUtils.ToCategorical(yTest, 10)));
        Console.WriteLine($"clients {string.Join(", ", first.Clients)}: test accuracy {first.ValidationAccuracy:F4}");

        Assert.Equal(10, first.Clients.Count);
        Assert.Equal(20, first.Samples);
        Assert.NotNull(first.ValidationAccuracy);

        var privateOptions = new FederatedOptions
        {
            Fraction = 0.1, LocalEpochs = 5, LocalBatchSize = 10, LearningRate = 0.1f,
            DpClipNorm = 1f, DpNoiseMultiplier = 1f, DpDelta = 1e-5,
        };
        var fedDp = new FederatedAveraging(model, x, DataUtils.ToCategorical(y, 10), clients, new CategoricalCrossentropy(), privateOptions);
        var privateRounds = fedDp.Fit(rounds: 10, validationData: (xTest, DataUtils.ToCategorical(yTest, 10)));
        foreach (var r in privateRounds)
            Console.WriteLine($"round {r.Round}: accuracy {r.ValidationAccuracy:F4}, clipped {r.ClippedClients}/{r.Clients.Count}, ε {r.Epsilon:F2}");
        var (epsilon, order) = RdpAccountant.Epsilon(samplingRate: 0.1, noiseMultiplier: 1.0, steps: 100, delta: 1e-5); // 7.97, at order 3

        Assert.Equal(10, privateRounds.Count);
        Assert.Equal(3.45, privateRounds[^1].Epsilon!.Value, 2);
        Assert.All(privateRounds, r => Assert.InRange(r.ClippedClients!.Value, 0, 10));
        Assert.Equal(7.97, epsilon, 2);
        Assert.Equal(3, order);

        try
        {
            var backup = new FederatedBackup(Path.Combine("runs", "fedadam-ckpt"), saveEveryNRounds: 1);
            backup.Resumed += r => Console.WriteLine($"resumed after round {r.Round}");
            var fedAdam = new FederatedAveraging(model, x, DataUtils.ToCategorical(y, 10), nonIid, new CategoricalCrossentropy(),
                new FederatedOptions { ServerOptimizer = ServerOptimizer.Adam, ServerLearningRate = 0.01f, ServerBeta1 = 0.9f, ServerBeta2 = 0.99f, ServerEpsilon = 1e-3f });
            var curve = fedAdam.Fit(rounds: 20, validationData: (xTest, DataUtils.ToCategorical(yTest, 10)), backup: backup);

            Assert.Equal(20, curve.Count);
            Assert.Null(backup.Restored);
            Assert.True(curve[^1].ValidationAccuracy > 0.9, $"FedAdam: accuracy {curve[^1].ValidationAccuracy}");
        }
        finally
        {
            if (Directory.Exists(Path.Combine("runs", "fedadam-ckpt"))) Directory.Delete(Path.Combine("runs", "fedadam-ckpt"), recursive: true);
        }
    }
}
