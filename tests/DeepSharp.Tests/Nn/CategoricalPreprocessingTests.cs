using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Discretization and CategoryEncoding: Keras's documented examples, Adapt against a naive quantile count, configs with
/// Keras's keys, a model trained, saved, loaded and run in ONNX Runtime, and hostile boundaries refused (given, in a
/// config, in a model file).
/// </summary>
public sealed class CategoricalPreprocessingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Models holding both layer types (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Bucketed(), new Sequential(new CategoryEncoding(5, "one_hot", inputShape: [3]), new Flatten(), new Dense(2))];

    private static Sequential Bucketed() => new(
        new Discretization(binBoundaries: [-0.5f, 0f, 0.5f], inputShape: [4]),
        new CategoryEncoding(4, "count"),
        new Dense(3));

    private static readonly float[] s_kerasData = [-1.5f, 1.0f, 3.4f, 0.5f, 0.0f, 3.0f, 1.3f, 0.0f];

    [Fact]
    public void KerasExamples()
    {
        var x = Tensor.FromArray(s_kerasData, 2, 4);
        Assert.Equal([0f, 2f, 3f, 1f, 1f, 3f, 2f, 1f], new Discretization(binBoundaries: [0f, 1f, 2f]).Call(x).ToArray());
        var ints = Tensor.FromArray(new[] { 0, 1, 0, 0, 1, 2, 3, 1 }, 4, 2);
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f, 1f, 0f, 1f], new CategoryEncoding(4).Call(ints).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f, 2f, 0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f, 1f, 0f, 1f], new CategoryEncoding(4, "count").Call(ints).ToArray());
        var oneHot = new CategoryEncoding(4, "one_hot").Call(Tensor.FromArray(new[] { 3, 2, 0, 1 }, 4));
        Assert.Equal(new Shape(4, 4), oneHot.Shape);
        Assert.Equal([0f, 0f, 0f, 1f, 0f, 0f, 1f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f], oneHot.ToArray());
        Assert.Equal(new Shape(4, 2, 4), new CategoryEncoding(4, "one_hot").Call(ints).Shape);
        Assert.Equal(new Shape(4, 4), new CategoryEncoding(4, "one_hot").Call(Tensor.FromArray(new[] { 3f, 2f, 0f, 1f }, 4, 1)).Shape);
    }

    [Fact]
    public void AdaptSplitsTheDataIntoEquallyFilledBuckets()
    {
        var layer = new Discretization(numBins: 4);
        layer.Adapt(Tensor.FromArray(s_kerasData, 2, 4));
        Assert.Equal([0f, 1f, 3f], layer.BinBoundaries!.ToArray()); // sorted −1.5, 0, 0, 0.5, 1, 1.3, 3, 3.4: ranks 2, 4, 6
        var data = Tensor.RandomUniform(new Shape(1000, 3), -5f, 20f, new RandomGenerator(4));
        var five = new Discretization(numBins: 5);
        five.Adapt(data);
        var counts = new int[5];
        foreach (float bucket in five.Call(data).ToArray()) counts[(int)bucket]++;
        Assert.All(counts, c => Assert.Equal(600, c)); // distinct values: exactly n / bins each
        Assert.True(five.IsAdapted);
        Assert.Throws<InvalidOperationException>(() => new Discretization([1f]).Adapt(data));
        Assert.Throws<ArgumentException>(() => new Discretization(numBins: 3).Adapt(Tensor.FromArray([1f, float.NaN], 2)));
        Assert.Contains("Adapt", Assert.Throws<DeepSharpException>(() => new Discretization(numBins: 3, name: "unadapted").Call(data)).Message);
    }

    [Fact]
    public void BadInputsAndConfigsAreRefusedNamingTheLayer()
    {
        Assert.Contains("not sorted", Assert.Throws<ArgumentException>(() => new Discretization([1f, 0f])).Message);
        Assert.Throws<ArgumentException>(() => new Discretization([float.NaN]));
        Assert.Throws<ArgumentException>(() => new Discretization([1f], numBins: 3));
        Assert.Throws<ArgumentException>(() => new Discretization());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Discretization(numBins: 1));
        Assert.Contains("'buckets'", Assert.Throws<DeepSharpException>(() => new Discretization([0f], name: "buckets").Call(Tensor.FromArray([float.NaN], 1, 1))).Message);
        var e = Assert.Throws<DeepSharpException>(() => new CategoryEncoding(3, name: "cats").Call(Tensor.FromArray(new[] { 0, 3 }, 1, 2)));
        Assert.Contains("'cats'", e.Message);
        Assert.Contains("[0, 3)", e.Message);
        Assert.Throws<DeepSharpException>(() => new CategoryEncoding(3).Call(Tensor.FromArray([0.5f], 1, 1)));
        Assert.Throws<DeepSharpException>(() => new CategoryEncoding(3).Call(Tensor.FromArray([-1f], 1, 1)));
        Assert.Throws<ShapeMismatchException>(() => new CategoryEncoding(3).Call(Tensor.Zeros(2, 2, 2)));
        Assert.Throws<ArgumentException>(() => new CategoryEncoding(3, "tf_idf"));
        foreach (var (type, json) in new[]
        {
            ("Discretization", """{"name":"d","bin_boundaries":[2,1]}"""), ("Discretization", """{"name":"d","bin_boundaries":["x"]}"""),
            ("Discretization", """{"name":"d","num_bins":1}"""), ("Discretization", """{"name":"d"}"""),
            ("Discretization", """{"name":"d","bin_boundaries":[1],"output_mode":"one_hot"}"""),
            ("CategoryEncoding", """{"name":"c","num_tokens":0}"""), ("CategoryEncoding", """{"name":"c","num_tokens":3,"output_mode":"tf_idf"}"""),
            ("CategoryEncoding", """{"name":"c","num_tokens":3,"sparse":true}"""), ("CategoryEncoding", """{"name":"c","num_tokens":100000000}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void KerasConfigKeysRoundTrip()
    {
        var given = new Discretization([0f, 1f, 2f]).GetConfig();
        Assert.Equal("[0,1,2]", given["bin_boundaries"]!.ToJsonString());
        Assert.Null(given["num_bins"]);
        Assert.Equal("int", given["output_mode"]!.GetValue<string>());
        var adapted = new Discretization(numBins: 6).GetConfig();
        Assert.Equal(6, adapted["num_bins"]!.GetValue<int>());
        var keras = System.Text.Json.Nodes.JsonNode.Parse("""{"name":"discretization","bin_boundaries":[0.0,1.0],"num_bins":null,"epsilon":0.01,"output_mode":"int","sparse":false}""")!.AsObject();
        Assert.Equal(3, Assert.IsType<Discretization>(LayerRegistry.Create("Discretization", keras)).NumBins);
        foreach (Layer layer in new Layer[] { new Discretization([0.5f]), new Discretization(numBins: 3), new CategoryEncoding(7, "count") })
            Assert.Equal(layer.GetConfig().ToJsonString(), LayerRegistry.Create(layer.TypeName, layer.GetConfig()).GetConfig().ToJsonString());
    }

    [Fact]
    public void AdaptedModelTrainsSavesLoadsExportsAndRefusesHostileBoundaries()
    {
        RandomGenerator.SetGlobalSeed(5);
        var x = Tensor.RandomUniform(new Shape(64, 2), 0f, 10f, new RandomGenerator(1));
        var xs = x.ToArray();
        var y = Tensor.FromArray([.. Enumerable.Range(0, 64).Select(i => xs[i * 2] > 5f ? 1f : -1f)], 64, 1);
        var buckets = new Discretization(numBins: 4, inputShape: [2]);
        buckets.Adapt(x);
        var model = new Sequential(buckets, new CategoryEncoding(4), new Dense(1));
        model.Compile(new Adam(0.05f), "mse");
        var history = model.Fit(x, y, epochs: 20, batchSize: 16, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Contains("Non-trainable params: 3", model.Summary(_ => { }));

        string path = _temp.File("buckets.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(buckets.BinBoundaries!.ToArray(), Assert.IsType<Discretization>(loaded.Layers[0]).BinBoundaries!.ToArray());
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "Discretization + CategoryEncoding", tolerance: 1e-5);
        foreach (var sample in Samples())
        {
            var input = Tensor.FromArray([.. Enumerable.Range(0, 2 * sample.Layers[0].BuiltInputShape!.Value.Size).Select(i => (float)(i % 4) - 0.75f * (i % 2))],
                sample.Layers[0].BuiltInputShape!.Value.WithBatch(2).ToArray());
            if (sample.Layers[0] is CategoryEncoding) input = Tensor.FromArray([.. Enumerable.Range(0, input.Size).Select(i => (float)(i % 5))], input.Shape.ToArray());
            OnnxRunner.AssertMatches(sample, [input], $"sample {sample.Layers[0].TypeName}", tolerance: 1e-5);
        }

        // A file whose boundaries are unsorted or NaN is refused, naming the layer.
        foreach (float bad in new[] { -100f, float.NaN })
        {
            buckets.BinBoundaries!.Span[2] = bad;
            string hostile = _temp.File($"hostile{bad}.safetensors");
            model.Save(hostile);
            var error = Assert.Throws<DataFormatException>(() => Model.Load(hostile));
            Assert.Contains(float.IsNaN(bad) ? "bin_boundaries" : "Discretization", error.Message); // NaN is refused by the weights' reader already
        }
    }
}
