using DeepSharp.Federated;

namespace DeepSharp.Tests.Federated;

/// <summary>The server optimizers' updates against their formulas, computed naively in double over three rounds.</summary>
public sealed class ServerUpdateTests
{
    private static (float[] Global, float[][] Averages) Rounds(int n)
    {
        var random = new Random(4);
        float[] global = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[][] averages = [.. Enumerable.Range(0, 3).Select(_ => global.Select(w => w + (float)(random.NextDouble() - 0.5) * 0.1f).ToArray())];
        return (global, averages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    public void FedAdamIsAdamOnThePseudoGradientWithoutBiasCorrection(int n)
    {
        var options = new FederatedOptions { ServerOptimizer = ServerOptimizer.Adam, ServerLearningRate = 0.03f, ServerBeta1 = 0.8f, ServerBeta2 = 0.95f, ServerEpsilon = 1e-2f };
        var (global, averages) = Rounds(n);
        double[] w = [.. global.Select(v => (double)v)], m = new double[n], v = new double[n];
        var server = new ServerUpdate(options);
        foreach (var average in averages)
        {
            server.Apply(global, average);
            for (int i = 0; i < n; i++)
            {
                double delta = w[i] - average[i];
                m[i] = 0.8 * m[i] + 0.2 * delta;
                v[i] = 0.95 * v[i] + 0.05 * delta * delta;
                w[i] -= 0.03 * m[i] / (Math.Sqrt(v[i]) + 1e-2);
            }
            // The next round's average is relative to the float weights, as the server sees them.
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(global[i] - w[i]) < 1e-5, $"weight {i}: {global[i]} vs {w[i]}");
            for (int i = 0; i < n; i++) w[i] = global[i];
        }
        if (n > 0) Assert.NotNull(server.V);
    }

    [Fact]
    public void FedAvgMWithoutMomentumAndRateOneIsFedAvg()
    {
        var (global, averages) = Rounds(9);
        var server = new ServerUpdate(new FederatedOptions { ServerOptimizer = ServerOptimizer.Momentum, ServerLearningRate = 1, ServerMomentum = 0 });
        server.Apply(global, averages[0]);
        Assert.Equal(averages[0], global);
        Assert.Null(server.V);
    }

    [Fact]
    public void ARestoredStateContinuesTheSameUpdates()
    {
        var options = new FederatedOptions { ServerOptimizer = ServerOptimizer.Adam, ServerLearningRate = 0.05f };
        var (global, averages) = Rounds(11);
        var a = new ServerUpdate(options);
        a.Apply(global, averages[0]);
        var b = new ServerUpdate(options);
        b.Restore(a.M, a.V, 11);
        float[] copy = (float[])global.Clone();
        a.Apply(global, averages[1]);
        b.Apply(copy, averages[1]);
        Assert.Equal(global, copy);
        Assert.Contains("3 values", Assert.Throws<DataFormatException>(() => b.Restore(new float[3], null, 11)).Message);
    }
}
