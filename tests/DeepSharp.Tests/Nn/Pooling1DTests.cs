using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D and GlobalAveragePooling1D (masked too).</summary>
public class Pooling1DTests
{
    [Fact] public void MaxPooling1D() => LayerHarness.Run(() => new MaxPooling1D(), [7, 3], [3, 3], 0, batch: 2, input: Distinct);
    [Fact] public void MaxPooling1DSameStrided() => LayerHarness.Run(() => new MaxPooling1D(3, 2, Padding.Same), [6, 2], [3, 2], 0, batch: 2, input: Distinct);
    [Fact] public void AveragePooling1D() => LayerHarness.Run(() => new AveragePooling1D(3), [7, 3], [2, 3], 0, batch: 2);
    [Fact] public void AveragePooling1DSameOverlapping() => LayerHarness.Run(() => new AveragePooling1D(4, 1, Padding.Same), [5, 2], [5, 2], 0, batch: 2);
    [Fact] public void GlobalMaxPooling1D() => LayerHarness.Run(() => new GlobalMaxPooling1D(), [5, 4], [4], 0, batch: 2, input: Distinct);
    [Fact] public void GlobalMaxPooling1DKeepingDims() => LayerHarness.Run(() => new GlobalMaxPooling1D(keepDims: true), [3, 2], [1, 2], 0, batch: 2, input: Distinct);
    [Fact] public void GlobalAveragePooling1D() => LayerHarness.Run(() => new GlobalAveragePooling1D(), [5, 4], [4], 0, batch: 2);
    [Fact] public void GlobalAveragePooling1DKeepingDims() => LayerHarness.Run(() => new GlobalAveragePooling1D(keepDims: true), [3, 2], [1, 2], 0);

    private static readonly Tensor s_sequence = Tensor.FromArray([1f, 10f, 2f, 20f, 3f, 30f, 4f, 40f, 5f, 50f], 1, 5, 2);

    [Fact]
    public void ValuesAreKeras()
    {
        // keras.layers.MaxPooling1D(2)(x): valid floors 5 steps to 2 windows.
        Assert.Equal([2f, 20f, 4f, 40f], new MaxPooling1D().Call(s_sequence).ToArray());
        // AveragePooling1D(2, strides=2, padding="same"): 3 windows, the last covers step 5 alone (padding not counted).
        Assert.Equal([1.5f, 15f, 3.5f, 35f, 5f, 50f], new AveragePooling1D(2, padding: Padding.Same).Call(s_sequence).ToArray());
        // MaxPooling1D(3, strides=2, padding="same"): total padding 2, one before and one after.
        Assert.Equal([2f, 20f, 4f, 40f, 5f, 50f], new MaxPooling1D(3, 2, Padding.Same).Call(s_sequence).ToArray());
        Assert.Equal([5f, 50f], new GlobalMaxPooling1D().Call(s_sequence).ToArray());
        Assert.Equal([3f, 30f], new GlobalAveragePooling1D().Call(s_sequence).ToArray());
        Assert.Equal(new Shape(1, 1, 2), new GlobalAveragePooling1D(keepDims: true).Call(s_sequence).Shape);
    }

    [Fact]
    public void MaskedAverageCountsOnlyTheKeptSteps()
    {
        var mask = Tensor.FromArray([1f, 0f, 1f, 1f, 0f], 1, 5);
        var layer = new GlobalAveragePooling1D();
        var (y, outputMask) = layer.CallMasked(s_sequence, mask);
        // Keras: sum(x·mask) / sum(mask) over steps 1, 3 and 4.
        var mean = y.ToArray();
        Assert.Equal(8f / 3f, mean[0], 5);
        Assert.Equal(80f / 3f, mean[1], 4);
        Assert.Null(outputMask);
    }

    [Fact]
    public void MaskedAverageHasGradients()
    {
        var mask = Tensor.FromArray([1f, 0f, 1f, 1f, 1f, 1f, 0f, 0f], 2, 4);
        var layer = new GlobalAveragePooling1D();
        GradCheck.Check(t => layer.Call(t[0], mask), [GradCheck.Random(3, 2, 4, 3)], epsilon: 1e-3f);
        var wrong = Assert.Throws<ShapeMismatchException>(() => new GlobalAveragePooling1D(name: "gap").Call(GradCheck.Random(3, 2, 4, 3), Tensor.Zeros(2, 3)));
        Assert.Contains("'gap'", wrong.Message);
    }

    [Fact]
    public void BadConfigsAndInputsNameTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling1D(0));
        var tooShort = Assert.Throws<ShapeMismatchException>(() => new MaxPooling1D(4, name: "pool").Call(Tensor.Zeros(2, 3, 1)));
        Assert.Contains("'pool'", tooShort.Message);
        Assert.Contains("a pool of 4", tooShort.Message);
        var image = Assert.Throws<ShapeMismatchException>(() => new AveragePooling1D(name: "avg").Call(Tensor.Zeros(2, 4, 4, 1)));
        Assert.Contains("'avg'", image.Message);
        Assert.Contains("(None, 4, 4, 1)", image.Message);
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("MaxPooling1D", new JsonObject { ["name"] = "p", ["pool_size"] = new JsonArray(2, 2) }));
        Assert.Contains("pool_size", e.Message);
        Assert.Equal("""{"name":"p","pool_size":[3],"strides":[3],"padding":"valid"}""", new MaxPooling1D(3, name: "p").GetConfig().ToJsonString());
        foreach (string type in new[] { "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D" })
        {
            var format = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, new JsonObject { ["name"] = "cf", ["data_format"] = "channels_first" }));
            Assert.Contains("'cf'", format.Message);
            Assert.Contains("channels_last", format.Message);
        }
        // Keras 3's own config of MaxPooling1D(3) reads back.
        var keras = (MaxPooling1D)LayerRegistry.Create("MaxPooling1D", JsonNode.Parse(
            """{"name":"max_pooling1d","trainable":true,"dtype":"float32","pool_size":[3],"padding":"same","strides":[2],"data_format":"channels_last"}""")!.AsObject());
        Assert.Equal((3, 2, Padding.Same), (keras.PoolSize, keras.Strides, keras.Padding));
    }

    /// <summary>Tokens → Embedding(maskZero) → GlobalAveragePooling1D → Dense, and the keepdims form: the mask reaches the pooling in the model and in ONNX.</summary>
    private static Functional MaskedModel()
    {
        var tokens = Model.Input([6], name: "tokens", dtype: DType.Int32);
        var vectors = new Embedding(9, 4, maskZero: true).Call(tokens);
        var pooled = new GlobalAveragePooling1D().Call(vectors);
        var kept = new Flatten().Call(new GlobalAveragePooling1D(keepDims: true).Call(vectors));
        return new Functional([tokens], [new Dense(2).Call(pooled), kept], name: "masked_mean");
    }

    [Fact]
    public void MaskedModelAgreesWithOnnxRuntimeAndIgnoresPadding()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = MaskedModel();
        var tokens = Tensor.FromArray(new[] { 3, 4, 5, 0, 0, 0, 3, 3, 4, 4, 5, 5, 7, 0, 0, 0, 0, 0 }, 3, 6);
        OnnxRunner.AssertMatches(model, [tokens], "masked mean", tolerance: 1e-5);
        // Only the unmasked steps count: 3, 4, 5 then padding averages as 3, 3, 4, 4, 5, 5 does.
        var y = model.Call([tokens])[0].ToArray();
        Assert.Equal(y[0], y[2], 5);
        Assert.Equal(y[1], y[3], 5);
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
