using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

public class LayerTests
{
    [Fact] public void Dense() => LayerHarness.Run(() => new Dense(4, Activation.Tanh), [6], [4], 6 * 4 + 4);
    [Fact] public void DenseWithoutBiasOnRank3Inputs() => LayerHarness.Run(() => new Dense(3, useBias: false), [2, 5], [2, 3], 15);
    [Fact] public void DenseSoftmax() => LayerHarness.Run(() => new Dense(5, Activation.Softmax), [4], [5], 25);
    [Fact] public void DenseSigmoid() => LayerHarness.Run(() => new Dense(2, Activation.Sigmoid), [3], [2], 8);
    [Fact] public void Conv2DValid() => LayerHarness.Run(() => new Conv2D(4, 3, activation: Activation.Tanh), [6, 7, 2], [4, 5, 4], 3 * 3 * 2 * 4 + 4, batch: 2);
    [Fact] public void Conv2DSameStrided() => LayerHarness.Run(() => new Conv2D(3, (2, 3), (2, 2), Padding.Same), [5, 6, 2], [3, 3, 3], 2 * 3 * 2 * 3 + 3, batch: 2);
    [Fact] public void Conv2DDilated() => LayerHarness.Run(() => new Conv2D(2, (3, 3), dilationRate: (2, 2)), [7, 7, 1], [3, 3, 2], 20, batch: 2);
    [Fact] public void MaxPooling2D() => LayerHarness.Run(() => new MaxPooling2D(), [6, 5, 3], [3, 2, 3], 0, batch: 2);
    [Fact] public void MaxPooling2DSame() => LayerHarness.Run(() => new MaxPooling2D((3, 3), (2, 2), Padding.Same), [5, 5, 2], [3, 3, 2], 0, batch: 2);
    [Fact] public void Flatten() => LayerHarness.Run(() => new Flatten(), [3, 2, 4], [24], 0);
    [Fact] public void DropoutAtInference() => LayerHarness.Run(() => new Dropout(0.5f), [7], [7], 0);

    [Fact]
    public void DropoutWhileTrainingZeroesAboutRateAndKeepsTheMean()
    {
        var layer = new Dropout(0.25f, seed: 3);
        var y = layer.Call(Tensor.Ones(100, 100), training: true).ToArray();
        double zeros = y.Count(v => v == 0f) / (double)y.Length;
        Assert.InRange(zeros, 0.22, 0.28);
        Assert.InRange(y.Average(), 0.95, 1.05);
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 1f / 0.75f) < 1e-6));
    }

    [Fact]
    public void GlorotUniformHasKerasLimits()
    {
        RandomGenerator.SetGlobalSeed(5);
        var dense = new Dense(128);
        dense.Build(new Shape(5408));
        float limit = (float)Math.Sqrt(6.0 / (5408 + 128));
        var kernel = dense.Parameters[0].Value.ToArray();
        Assert.All(kernel, v => Assert.InRange(v, -limit, limit));
        Assert.True(kernel.Max() > 0.95f * limit);
        Assert.All(dense.Parameters[1].Value.ToArray(), v => Assert.Equal(0f, v));

        var conv = new Conv2D(32, 3);
        conv.Build(new Shape(28, 28, 1));
        float convLimit = (float)Math.Sqrt(6.0 / (9 * 1 + 9 * 32));
        Assert.All(conv.Parameters[0].Value.ToArray(), v => Assert.InRange(v, -convLimit, convLimit));
    }

    [Fact]
    public void WrongInputShapeNamesTheLayer()
    {
        var dense = new Dense(3, name: "head");
        dense.Call(Tensor.Zeros(2, 4));
        var e = Assert.Throws<ShapeMismatchException>(() => dense.Call(Tensor.Zeros(2, 5)));
        Assert.Contains("head", e.Message);
        Assert.Contains("(None, 5)", e.Message);
        Assert.Contains("(None, 4)", e.Message);
    }

    [Fact]
    public void ConfigNamesAreKeras()
    {
        var conv = new Conv2D(32, 3, activation: Activation.Relu, inputShape: [28, 28, 1]);
        var c = conv.GetConfig();
        Assert.Equal("relu", (string?)c["activation"]);
        Assert.Equal("valid", (string?)c["padding"]);
        Assert.Equal("[3,3]", c["kernel_size"]!.ToJsonString());
        Assert.Equal("[28,28,1]", c["input_shape"]!.ToJsonString());
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Lambda", c));
        Assert.Throws<DeepSharpException>(() => Activation.FromName("swishy"));
    }
}
