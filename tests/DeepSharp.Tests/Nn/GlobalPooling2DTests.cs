using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// GlobalAveragePooling2D and GlobalMaxPooling2D with and without Keras's <c>keepdims</c>: values by hand, the layer
/// harness (shapes, config round trip, gradients), Keras configs, bad input, Summary, model files and ONNX.
/// </summary>
public sealed class GlobalPooling2DTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact] public void AverageKeepingDims() => LayerHarness.Run(() => new GlobalAveragePooling2D(keepDims: true), [3, 4, 2], [1, 1, 2], 0, batch: 2);
    [Fact] public void MaxKeepingDims() => LayerHarness.Run(() => new GlobalMaxPooling2D(keepDims: true), [3, 4, 2], [1, 1, 2], 0, batch: 2, input: Distinct);
    [Fact] public void AverageDroppingDims() => LayerHarness.Run(() => new GlobalAveragePooling2D(), [2, 3, 3], [3], 0, batch: 2);
    [Fact] public void MaxDroppingDims() => LayerHarness.Run(() => new GlobalMaxPooling2D(), [2, 3, 3], [3], 0, batch: 2, input: Distinct);

    [Fact]
    public void ValuesAreEachChannelsMeanAndMaximum()
    {
        // Sample n, pixel i, channel c holds n·12 + 2·i + c (2×3 pixels, 2 channels).
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 2, 3, 2);
        var mean = new GlobalAveragePooling2D(keepDims: true).Call(x);
        Assert.Equal(new Shape(2, 1, 1, 2), mean.Shape);
        Assert.Equal([5f, 6f, 17f, 18f], mean.ToArray());
        var max = new GlobalMaxPooling2D(keepDims: true).Call(x);
        Assert.Equal(new Shape(2, 1, 1, 2), max.Shape);
        Assert.Equal([10f, 11f, 22f, 23f], max.ToArray());
        Assert.Equal([10f, 11f, 22f, 23f], new GlobalMaxPooling2D().Call(x).ToArray());
        Assert.Equal(new Shape(2, 2), new GlobalAveragePooling2D().Call(x).Shape);
    }

    [Fact]
    public void KerasConfigsAndBadInput()
    {
        var config = new GlobalAveragePooling2D(keepDims: true, name: "gap").GetConfig();
        Assert.Equal("channels_last", config["data_format"]!.GetValue<string>());
        Assert.True(config["keepdims"]!.GetValue<bool>());
        // A Keras 3 config: keepdims read, a missing one is Keras's default false.
        var fromKeras = Assert.IsType<GlobalMaxPooling2D>(LayerRegistry.Create("GlobalMaxPooling2D",
            JsonNode.Parse("""{"name": "gmp", "data_format": "channels_last", "keepdims": true}""")!.AsObject()));
        Assert.True(fromKeras.KeepDims);
        Assert.False(Assert.IsType<GlobalAveragePooling2D>(LayerRegistry.Create("GlobalAveragePooling2D", JsonNode.Parse("""{"name": "g"}""")!.AsObject())).KeepDims);
        var format = Assert.ThrowsAny<Exception>(() => LayerRegistry.Create("GlobalAveragePooling2D",
            JsonNode.Parse("""{"name": "g", "data_format": "channels_first", "keepdims": true}""")!.AsObject()));
        Assert.Contains("channels_first", format.Message);

        var e = Assert.Throws<ShapeMismatchException>(() => new GlobalMaxPooling2D(keepDims: true, name: "pool").Call(Tensor.Zeros(new Shape(2, 5, 3))));
        Assert.Contains("'pool' (GlobalMaxPooling2D)", e.Message);
        Assert.Contains("(None, 5, 3)", e.Message);
        Assert.Throws<ShapeMismatchException>(() => new GlobalAveragePooling2D(keepDims: true).ComputeOutputShape(new Shape(0, 4, 2)));
    }

    [Fact]
    public void KeptDimsSummariseSaveLoadAndExportToOnnx()
    {
        // Keras's squeeze-and-excitation pattern: the pooled (1, 1, c) feeds a 1×1 convolution.
        RandomGenerator.SetGlobalSeed(11);
        var model = new Sequential(
            new Conv2D(4, 3, inputShape: [6, 5, 2]),
            new GlobalAveragePooling2D(keepDims: true),
            new Conv2D(3, 1, activation: Activation.Relu),
            new GlobalMaxPooling2D(keepDims: true),
            new Flatten(),
            new Dense(2));
        var x = Tensor.RandomUniform(new Shape(3, 6, 5, 2), -1f, 1f, new RandomGenerator(12));
        string summary = model.Summary(_ => { });
        Assert.Contains("(None, 1, 1, 4)", summary);
        Assert.Contains("(None, 1, 1, 3)", summary);
        string path = _temp.File("keepdims.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.True(Assert.IsType<GlobalAveragePooling2D>(loaded.Layers[1]).KeepDims);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "global 2-D poolings with keepdims", tolerance: 1e-5);
        var dropped = new Sequential(new GlobalMaxPooling2D(inputShape: [4, 3, 2]), new Dense(2));
        OnnxRunner.AssertMatches(dropped, [Tensor.RandomUniform(new Shape(2, 4, 3, 2), -1f, 1f, new RandomGenerator(13))], "global 2-D max pooling", tolerance: 1e-5);
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
