using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// SpatialDropout1D/2D, GaussianNoise and GaussianDropout: the identity at inference (through the
/// harness), and while training the statistics Keras documents, from a fixed seed.
/// </summary>
public class NoiseLayerTests
{
    [Fact] public void SpatialDropout1DAtInference() => LayerHarness.Run(() => new SpatialDropout1D(0.4f, seed: 2), [5, 3], [5, 3], 0);
    [Fact] public void SpatialDropout2DAtInference() => LayerHarness.Run(() => new SpatialDropout2D(0.4f), [3, 2, 4], [3, 2, 4], 0, batch: 2);
    [Fact] public void GaussianNoiseAtInference() => LayerHarness.Run(() => new GaussianNoise(0.5f, seed: 2), [2, 3], [2, 3], 0);
    [Fact] public void GaussianDropoutAtInference() => LayerHarness.Run(() => new GaussianDropout(0.3f), [6], [6], 0);

    private static (float[] X, float[] Y, float[] Grad) TrainingCall(Layer layer, params int[] shape)
    {
        var x = GradCheck.Random(8, shape);
        x.RequiresGrad = true;
        var y = layer.Call(x, training: true);
        Ops.Sum(y).Backward();
        return (x.ToArray(), y.ToArray(), x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SpatialDropoutDropsWholeChannelsAtRateAndScales(int spatialAxes)
    {
        const float rate = 0.3f;
        int batch = 40, positions = 6, channels = 50;
        Layer layer = spatialAxes == 1 ? new SpatialDropout1D(rate, seed: 7) : new SpatialDropout2D(rate, seed: 7);
        var shape = spatialAxes == 1 ? new[] { batch, positions, channels } : [batch, 2, 3, channels];
        var (x, y, grad) = TrainingCall(layer, shape);
        int dropped = 0;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                // One decision per (sample, channel), the same at every step or pixel.
                bool zero = y[b * positions * channels + c] == 0f;
                if (zero) dropped++;
                for (int p = 0; p < positions; p++)
                {
                    int i = (b * positions + p) * channels + c;
                    float factor = zero ? 0f : 1f / (1f - rate);
                    Assert.Equal(x[i] * factor, y[i], 6);
                    Assert.Equal(factor, grad[i], 6);
                }
            }
        Assert.InRange(dropped / (double)(batch * channels), 0.27, 0.33);
    }

    [Fact]
    public void GaussianNoiseAddsNoiseOfItsStddevAndPassesGradients()
    {
        var (x, y, grad) = TrainingCall(new GaussianNoise(0.2f, seed: 5), 100, 100);
        var noise = x.Zip(y, (a, b) => (double)b - a).ToArray();
        double mean = noise.Average();
        double std = Math.Sqrt(noise.Select(n => (n - mean) * (n - mean)).Average());
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, 0.19, 0.21);
        Assert.All(grad, g => Assert.Equal(1f, g));
    }

    [Fact]
    public void GaussianDropoutMultipliesByNoiseOfMeanOne()
    {
        const float rate = 0.2f; // stddev √(0.2/0.8) = 0.5
        var layer = new GaussianDropout(rate, seed: 5);
        var x = Tensor.Ones(100, 100);
        x.RequiresGrad = true;
        var y = layer.Call(x, training: true);
        Ops.Sum(y).Backward();
        var factors = y.ToArray();
        double mean = factors.Average(f => (double)f);
        double std = Math.Sqrt(factors.Select(f => (f - mean) * (f - mean)).Average());
        Assert.InRange(mean, 0.98, 1.02);
        Assert.InRange(std, 0.48, 0.52);
        Assert.Equal(factors, x.Grad!.ToArray());
    }

    [Fact]
    public void SameSeedSameNoiseAndIdentityAtInference()
    {
        var x = GradCheck.Random(3, 4, 5, 6);
        Layer[] Make() => [new SpatialDropout1D(0.5f, seed: 9), new GaussianNoise(0.3f, seed: 9), new GaussianDropout(0.5f, seed: 9)];
        var first = Make();
        var second = Make();
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i].Call(x, training: true).ToArray(), second[i].Call(x, training: true).ToArray());
            Assert.NotEqual(x.ToArray(), first[i].Call(x, training: true).ToArray());
            Assert.Same(x, first[i].Call(x));
        }
    }

    [Fact]
    public void ModelsWithNoiseTrain()
    {
        RandomGenerator.SetGlobalSeed(2);
        var model = new Sequential(
            new Conv2D(4, 3, inputShape: [6, 6, 2]),
            new SpatialDropout2D(0.25f),
            new GaussianNoise(0.1f),
            new Flatten(),
            new GaussianDropout(0.1f),
            new Dense(1));
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var x = GradCheck.Random(1, 32, 6, 6, 2);
        var y = GradCheck.Random(2, 32, 1);
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        var loss = history["loss"];
        Assert.All(loss, l => Assert.True(double.IsFinite(l)));
        Assert.True(loss[^1] < loss[0], $"loss {loss[0]} → {loss[^1]}");
    }

    [Fact]
    public void BadConfigsAndInputsNameTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout1D(1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianDropout(-0.1f));
        var rank = Assert.Throws<ShapeMismatchException>(() => new SpatialDropout1D(0.5f, name: "drop").Call(Tensor.Zeros(2, 3, 4, 5)));
        Assert.Contains("'drop'", rank.Message);
        Assert.Contains("(None, 3, 4, 5)", rank.Message);
        var format = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("SpatialDropout2D",
            new JsonObject { ["name"] = "sd", ["rate"] = 0.5, ["data_format"] = "channels_first" }));
        Assert.Contains("'sd'", format.Message);
        Assert.Contains("channels_last", format.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("GaussianNoise", new JsonObject { ["name"] = "g" }));
        Assert.Equal("""{"name":"s","rate":0.5,"seed":4,"data_format":"channels_last"}""", new SpatialDropout2D(0.5f, 4, name: "s").GetConfig().ToJsonString());
    }
}
