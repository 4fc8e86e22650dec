using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Every layer type through the harness (the seed model's five first, then the rest of the Keras set),
/// and the behaviours of single layers: initialisers, dropout, configs, errors that name the layer.
/// </summary>
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

    [Fact] public void Conv1DValid() => LayerHarness.Run(() => new Conv1D(3, 3, activation: Activation.Tanh), [7, 2], [5, 3], 3 * 2 * 3 + 3, batch: 2);
    [Fact] public void Conv1DSameStrided() => LayerHarness.Run(() => new Conv1D(2, 2, strides: 2, padding: Padding.Same), [5, 3], [3, 2], 2 * 3 * 2 + 2, batch: 2);
    [Fact] public void Conv1DDilated() => LayerHarness.Run(() => new Conv1D(2, 3, dilationRate: 2, useBias: false), [8, 1], [4, 2], 6, batch: 2);
    [Fact] public void AveragePooling2D() => LayerHarness.Run(() => new AveragePooling2D(), [6, 5, 3], [3, 2, 3], 0, batch: 2);
    [Fact] public void AveragePooling2DSame() => LayerHarness.Run(() => new AveragePooling2D((3, 3), (2, 2), Padding.Same), [5, 4, 2], [3, 2, 2], 0, batch: 2);
    [Fact] public void GlobalAveragePooling2D() => LayerHarness.Run(() => new GlobalAveragePooling2D(), [4, 3, 5], [5], 0, batch: 2);
    [Fact] public void GlobalMaxPooling2D() => LayerHarness.Run(() => new GlobalMaxPooling2D(), [3, 3, 4], [4], 0, batch: 2, input: Distinct);
    [Fact] public void BatchNormalization() => LayerHarness.Run(() => new BatchNormalization(), [4], [4], 16, batch: 5);
    [Fact] public void BatchNormalizationOnImagesWithoutScale() => LayerHarness.Run(() => new BatchNormalization(scale: false), [3, 2, 3], [3, 2, 3], 9, batch: 2);
    [Fact] public void LayerNormalization() => LayerHarness.Run(() => new LayerNormalization(), [2, 6], [2, 6], 12);
    [Fact] public void LayerNormalizationWithoutCenter() => LayerHarness.Run(() => new LayerNormalization(center: false), [5], [5], 5);
    [Fact] public void EmbeddingInt32() => LayerHarness.Run(() => new Embedding(7, 3), [4], [4, 3], 21, input: s => Indices(s, 7, asFloat: false));

    [Fact]
    public void EmbeddingTakesWholeFloatsLikeInt32()
    {
        var layer = new Embedding(5, 2);
        var ints = Indices([3, 4], 5, asFloat: false);
        var floats = Indices([3, 4], 5, asFloat: true);
        Assert.Equal(ints.ToIntArray().Select(i => (float)i), floats.ToArray());
        Assert.Equal(layer.Call(ints).ToArray(), layer.Call(floats).ToArray());
    }
    [Fact] public void Reshape() => LayerHarness.Run(() => new Reshape([3, -1]), [2, 6], [3, 4], 0);
    [Fact] public void Rescaling() => LayerHarness.Run(() => new Rescaling(1f / 255, -0.5f), [3, 2], [3, 2], 0);
    [Fact] public void RandomFlip() => LayerHarness.Run(() => new RandomFlip("horizontal", seed: 1), [4, 3, 2], [4, 3, 2], 0, batch: 2);
    [Fact] public void RandomRotation() => LayerHarness.Run(() => new RandomRotation(0.1f, seed: 1), [4, 4, 1], [4, 4, 1], 0, batch: 2);
    [Fact] public void RandomTranslation() => LayerHarness.Run(() => new RandomTranslation((-0.1f, 0.1f), (-0.2f, 0.1f), FillMode.Constant, seed: 1), [4, 4, 1], [4, 4, 1], 0, batch: 2);
    [Fact] public void RandomZoom() => LayerHarness.Run(() => new RandomZoom(0.2f, 0.1f, seed: 1), [5, 4, 2], [5, 4, 2], 0, batch: 2);
    [Fact] public void RandomZoomKeepingAspect() => LayerHarness.Run(() => new RandomZoom((-0.3f, 0.2f)), [5, 4, 2], [5, 4, 2], 0, batch: 2);

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky_relu")]
    [InlineData("elu")]
    [InlineData("gelu")]
    [InlineData("selu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("softmax")]
    [InlineData("swish")]
    [InlineData("softplus")]
    [InlineData("softsign")]
    [InlineData("relu6")]
    [InlineData("hard_sigmoid")]
    [InlineData("hard_silu")]
    [InlineData("exponential")]
    [InlineData("mish")]
    [InlineData("log_softmax")]
    [InlineData("celu")]
    [InlineData("hard_shrink")]
    [InlineData("soft_shrink")]
    [InlineData("tanh_shrink")]
    [InlineData("hard_tanh")]
    [InlineData("log_sigmoid")]
    [InlineData("sparse_plus")]
    [InlineData("sparse_sigmoid")]
    [InlineData("squareplus")]
    [InlineData("sparsemax")]
    public void ActivationByName(string name) => LayerHarness.Run(() => new ActivationLayer(name), [2, 5], [2, 5], 0);

    [Fact] public void Add() => MergeHarness.Run(() => new Add(), [[4, 3], [4, 3], [4, 3]], [4, 3]);
    [Fact] public void Multiply() => MergeHarness.Run(() => new Multiply(), [[5], [5]], [5]);
    [Fact] public void Concatenate() => MergeHarness.Run(() => new Concatenate(), [[2, 3], [2, 1], [2, 4]], [2, 8]);
    [Fact] public void ConcatenateAlongAxis1() => MergeHarness.Run(() => new Concatenate(axis: 1), [[2, 3], [1, 3]], [3, 3]);

    [Fact]
    public void MergeShapesMustAgree()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new Add(name: "sum").Call([Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)]));
        Assert.Contains("sum", e.Message);
        Assert.Throws<ShapeMismatchException>(() => new Concatenate().Call([Tensor.Zeros(2, 3, 1), Tensor.Zeros(2, 4, 1)]));
    }

    [Fact]
    public void EmbeddingIndexOutOfRangeIsAClearError()
    {
        var layer = new Embedding(4, 2, name: "tokens");
        var e = Assert.Throws<DeepSharpException>(() => layer.Call(Tensor.FromArray(new[] { 1, 4 }, 1, 2)));
        Assert.Contains("tokens", e.Message);
        Assert.Contains("4", e.Message);
        Assert.Throws<DeepSharpException>(() => layer.Call(Tensor.FromArray(new[] { 1.5f, 0f }, 1, 2)));
    }

    [Fact]
    public void EmbeddingInitIsKerasUniform()
    {
        var layer = new Embedding(100, 50);
        layer.Build(new Shape(3));
        var table = layer.Parameters[0].Value.ToArray();
        Assert.All(table, v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.True(table.Max() > 0.045f && table.Min() < -0.045f);
    }

    [Fact]
    public void ActivationValuesMatchKeras()
    {
        var x = Tensor.FromArray([-2f, -0.5f, 0f, 1f], 1, 4);
        float[] Apply(string name) => new ActivationLayer(name).Call(x).ToArray();
        Assert.Equal([-0.4f, -0.1f, 0f, 1f], Apply("leaky_relu"));
        AssertClose([-0.8646647f, -0.39346933f, 0f, 1f], Apply("elu"));
        AssertClose([-1.5201665f, -0.6917581f, 0f, 1.050701f], Apply("selu"));
        AssertClose([-0.04550026f, -0.15426877f, 0f, 0.8413447f], Apply("gelu"));
        AssertClose([-0.23840584f, -0.18877033f, 0f, 0.7310586f], Apply("swish"));
        Assert.Same(DeepSharp.Nn.Activation.Swish, DeepSharp.Nn.Activation.FromName("silu"));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 2e-6, $"at {i}: {actual[i]} vs {expected[i]}");
    }

    private static Tensor Indices(int[] shape, int vocabulary, bool asFloat)
    {
        var rng = new RandomGenerator(9);
        var t = asFloat ? Tensor.Zeros(shape) : Tensor.IntZeros(new Shape(shape));
        for (int i = 0; i < t.Size; i++)
            if (asFloat) t.Span[i] = rng.NextInt(vocabulary);
            else t.IntSpan[i] = rng.NextInt(vocabulary);
        return t;
    }

    /// <summary>Distinct values 0.05 apart, so a finite difference never changes which element is the maximum.</summary>
    private static Tensor Distinct(int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var order = Enumerable.Range(0, t.Size).ToArray();
        new RandomGenerator(4).Shuffle(order);
        for (int i = 0; i < order.Length; i++) t.Span[i] = order[i] * 0.05f;
        return t;
    }
}
