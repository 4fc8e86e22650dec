using DeepSharp.Federated;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Federated;

/// <summary>
/// Differentially private federated averaging: the server's clipped, noised mean against a naive twin,
/// the noise's scale and seeding, learning through moderate noise, ε per round from the accountant,
/// checkpoints that resume a private run to the same bits and refuse other privacy settings.
/// </summary>
public sealed class DifferentialPrivacyTests : IDisposable
{
    private const int Features = 6, Classes = 3, Samples = 240;
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private static (Tensor X, Tensor Y) Data(int seed) => SeparableClasses.Make(Samples, Features, Classes, seed);

    private static readonly (Tensor X, Tensor Y) Train = Data(1), Test = Data(2);

    private static (FederatedAveraging Fed, Model Model) Federated(FederatedOptions options, long initSeed = 5)
    {
        RandomGenerator.SetGlobalSeed(initSeed);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [Features]), new Dense(Classes, Activation.Softmax));
        return (new FederatedAveraging(model, Train.X, Train.Y, ClientPartition.Iid(Samples, 24, seed: 3), new CategoricalCrossentropy(), options), model);
    }

    private static FederatedOptions Options(float clip, float noise) => new()
    {
        Fraction = 0.25, LocalEpochs = 2, LocalBatchSize = 5, LearningRate = 0.1f, DpClipNorm = clip, DpNoiseMultiplier = noise,
    };

    private static float[] Weights(Model model) => [.. model.GetWeights().SelectMany(w => w.ToArray())];

    /// <summary>The naive twin: w + (Σₖ min(1, C/‖Δₖ‖) Δₖ + noise) / m, in doubles.</summary>
    private static double[] NaiveMean(float[][] clients, float[] global, double clip, float[] noise)
    {
        var result = new double[global.Length];
        foreach (var w in clients)
        {
            double norm = Math.Sqrt(w.Select((v, i) => ((double)v - global[i]) * ((double)v - global[i])).Sum());
            double scale = Math.Min(1, clip / norm);
            for (int i = 0; i < w.Length; i++) result[i] += scale * ((double)w[i] - global[i]);
        }
        return [.. result.Select((s, i) => global[i] + (s + noise[i]) / clients.Length)];
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(7, 1)]
    [InlineData(10, 33)]
    [InlineData(4, 1000)]
    public void TheClippedMeanMatchesItsNaiveTwin(int clients, int length)
    {
        var random = new Random(clients * 100 + length);
        var global = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
        // Updates of norms around the clip norm, so some are clipped and some are not.
        var weights = Enumerable.Range(0, clients).Select(k => global.Select(g => g + (float)((random.NextDouble() - 0.5) * (k + 1) / Math.Sqrt(length))).ToArray()).ToArray();
        const float clip = 0.5f;
        var average = new float[length];
        int clipped = PrivateAverage.Compute([.. weights.Select(w => (ReadOnlyMemory<float>)w)], global, clip, 0f, 1, average);
        var expected = NaiveMean(weights, global, clip, new float[length]);
        for (int i = 0; i < length; i++) Assert.True(Math.Abs(average[i] - expected[i]) < 1e-5, $"[{i}] {average[i]} vs {expected[i]}");
        int expectedClipped = weights.Count(w => Math.Sqrt(w.Select((v, i) => ((double)v - global[i]) * ((double)v - global[i])).Sum()) > clip);
        Assert.Equal(expectedClipped, clipped);
    }

    [Fact]
    public void TheNoiseHasStandardDeviationZcOverMAndDependsOnlyOnTheSeed()
    {
        const int length = 200_000, m = 4;
        const float clip = 2f, z = 1.5f;
        var global = new float[length];
        var clients = Enumerable.Range(0, m).Select(_ => (ReadOnlyMemory<float>)new float[length]).ToArray();
        var a = new float[length];
        var b = new float[length];
        var c = new float[length];
        PrivateAverage.Compute(clients, global, clip, z, 42, a);
        PrivateAverage.Compute(clients, global, clip, z, 42, b);
        PrivateAverage.Compute(clients, global, clip, z, 43, c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        double mean = a.Average(v => (double)v), sd = Math.Sqrt(a.Average(v => (double)v * v) - mean * mean);
        double expected = z * clip / m; // 0.75
        Assert.True(Math.Abs(mean) < 5 * expected / Math.Sqrt(length), $"mean {mean}");
        Assert.True(Math.Abs(sd / expected - 1) < 0.01, $"sd {sd}, expected {expected}");
    }

    [Fact]
    public void WithoutClippingOrNoiseItIsTheUnweightedMeanOfTheClients()
    {
        // Equal client sizes: FedAvg's sample-weighted mean and the private mean agree (to rounding).
        var (plain, plainModel) = Federated(Options(0, 0));
        var (loose, looseModel) = Federated(Options(1e6f, 0));
        plain.Fit(2);
        var rounds = loose.Fit(2);
        Assert.All(rounds, r => Assert.Equal(0, r.ClippedClients));
        Assert.All(rounds, r => Assert.Equal(double.PositiveInfinity, r.Epsilon));
        var (p, l) = (Weights(plainModel), Weights(looseModel));
        for (int i = 0; i < p.Length; i++) Assert.True(Math.Abs(p[i] - l[i]) < 1e-4, $"[{i}] {p[i]} vs {l[i]}");
    }

    [Fact]
    public void LearnsThroughClippingAndNoiseAndReportsEpsilonEachRound()
    {
        var options = Options(clip: 0.2f, noise: 0.3f);
        var (fed, model) = Federated(options);
        double before = model.Evaluate(Test.X, Test.Y, batchSize: 240)["accuracy"];
        var rounds = fed.Fit(8, Test);
        Assert.True(rounds[^1].ValidationAccuracy > 0.85, $"accuracy {before:F3} → {rounds[^1].ValidationAccuracy:F3}");
        Assert.Contains(rounds, r => r.ClippedClients > 0);
        Assert.Equal(0.25, (double)fed.ClientsPerRound / fed.ClientCount);
        for (int t = 1; t <= rounds.Count; t++)
            Assert.Equal(RdpAccountant.Epsilon(0.25, 0.3f, t, 1e-5).Epsilon, rounds[t - 1].Epsilon);
        Assert.True(rounds[^1].Epsilon > rounds[0].Epsilon);
        Assert.Equal(rounds[^1].Epsilon, fed.Epsilon);
        Assert.Contains("DP (clip 0.2, noise multiplier 0.3)", options.ToString());
    }

    [Fact]
    public void APrivateRunResumesToTheSameBitsAndRefusesOtherPrivacySettings()
    {
        var options = Options(clip: 0.5f, noise: 0.5f);
        var (whole, wholeModel) = Federated(options);
        var expected = whole.Fit(4, Test);

        string dir = _root.File("private");
        using var stop = new CancellationTokenSource();
        Federated(options).Fed.Fit(4, Test, onRound: r => { if (r.Round == 2) stop.Cancel(); }, cancellationToken: stop.Token, backup: new FederatedBackup(dir));
        var e = Assert.Throws<DeepSharpException>(() => Federated(Options(clip: 0.5f, noise: 1f)).Fed.Fit(4, Test, backup: new FederatedBackup(dir)));
        Assert.Contains("dp clip 0.5 noise 0.5 delta 1E-05 in the checkpoint, clip 0.5 noise 1 delta 1E-05 in this run", e.Message);
        var plain = Assert.Throws<DeepSharpException>(() => Federated(Options(0, 0)).Fed.Fit(4, Test, backup: new FederatedBackup(dir)));
        Assert.Contains("dp clip 0.5 noise 0.5 delta 1E-05 in the checkpoint, (not set) in this run", plain.Message);

        var (resumed, resumedModel) = Federated(options, initSeed: 77);
        var history = resumed.Fit(4, Test, backup: new FederatedBackup(dir));
        Assert.Equal(expected.Select(r => (r.ValidationAccuracy, r.Epsilon, r.ClippedClients)), history.Select(r => (r.ValidationAccuracy, r.Epsilon, r.ClippedClients)));
        Assert.Equal(Weights(wholeModel), Weights(resumedModel));
    }

    [Fact]
    public void BadPrivacySettingsAreRefusedByName()
    {
        var noClip = Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedOptions { DpNoiseMultiplier = 1 }.Validate());
        Assert.Contains("needs DpClipNorm", noClip.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedOptions { DpClipNorm = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedOptions { DpClipNorm = float.PositiveInfinity }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FederatedOptions { DpClipNorm = 1, DpDelta = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => PrivateAverage.Compute([], new float[3], 1, 0, 1, new float[3]));
    }
}
