using DeepSharp.Federated;

namespace DeepSharp.Tests.Federated;

/// <summary>The server's average against a hand computation, and the server optimizers' updates.</summary>
public sealed class WeightedAverageTests
{
    [Fact]
    public void WeighsEachClientBySamples()
    {
        // Clients of 100, 300 and 600 samples: weights 0.1, 0.3, 0.6.
        float[] a = [1f, -2f, 10f], b = [3f, 0f, 10f], c = [-1f, 4f, 10f];
        var average = new float[3];
        WeightedAverage.Compute([a, b, c], [100, 300, 600], average);
        // 0.1·1 + 0.3·3 + 0.6·(−1) = 0.4; 0.1·(−2) + 0 + 0.6·4 = 2.2; 10.
        Assert.Equal(0.4f, average[0], 5);
        Assert.Equal(2.2f, average[1], 5);
        Assert.Equal(10f, average[2], 5);
    }

    [Fact]
    public void EqualCountsGiveThePlainMean()
    {
        var average = new float[2];
        WeightedAverage.Compute([new float[] { 2f, 4f }, new float[] { 4f, 8f }], [600, 600], average);
        Assert.Equal([3f, 6f], average);
    }

    [Fact]
    public void MismatchedInputsAreRefused()
    {
        var average = new float[2];
        Assert.Contains("client 1", Assert.Throws<ArgumentException>(() =>
            WeightedAverage.Compute([new float[2], new float[3]], [1, 1], average)).Message);
        Assert.Throws<ArgumentException>(() => WeightedAverage.Compute([new float[2]], [1, 1], average));
        Assert.Throws<ArgumentException>(() => WeightedAverage.Compute([new float[2]], [0], average));
        Assert.Throws<ArgumentException>(() => WeightedAverage.Compute([], [], average));
    }

    [Fact]
    public void ServerMomentumAccumulatesThePseudoGradient()
    {
        var update = new ServerUpdate(new FederatedOptions { ServerOptimizer = ServerOptimizer.Momentum, ServerLearningRate = 0.5f, ServerMomentum = 0.9f });
        float[] w = [1f];
        update.Apply(w, [0f]);  // Δ = 1, v = 1, w = 1 − 0.5 = 0.5
        Assert.Equal(0.5f, w[0], 6);
        update.Apply(w, [0f]);  // Δ = 0.5, v = 0.9 + 0.5 = 1.4, w = 0.5 − 0.7 = −0.2
        Assert.Equal(-0.2f, w[0], 6);
    }

    [Fact]
    public void ServerAdamTakesAStepOfAboutItsLearningRate()
    {
        var options = new FederatedOptions { ServerOptimizer = ServerOptimizer.Adam, ServerLearningRate = 0.01f, ServerEpsilon = 1e-3f };
        var update = new ServerUpdate(options);
        float[] w = [1f, 1f];
        update.Apply(w, [0.5f, 1f]);
        // Δ = 0.5: m = 0.05, v = 0.0025, step = 0.01 · 0.05 / (0.05 + 0.001); Δ = 0: no step.
        Assert.Equal(1f - 0.01f * 0.05f / 0.051f, w[0], 6);
        Assert.Equal(1f, w[1]);
    }

    [Fact]
    public void AverageReplacesTheGlobalWeights()
    {
        var update = new ServerUpdate(new FederatedOptions());
        float[] w = [1f, 2f];
        update.Apply(w, [3f, 4f]);
        Assert.Equal([3f, 4f], w);
    }
}
