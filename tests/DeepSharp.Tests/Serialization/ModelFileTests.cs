using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>Model files: save → load gives the same model, bit for bit; weights-only files; clear errors.</summary>
public class ModelFileTests
{
    /// <summary>One small model per layer type, with the input shape it takes.</summary>
    public static TheoryData<string> LayerModels => new() { "Dense", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Seed CNN" };

    internal static Sequential Create(string kind) => kind switch
    {
        "Dense" => new Sequential(new Dense(5, Activation.Relu, inputShape: [7]), new Dense(3, Activation.Softmax, useBias: false)),
        "Conv2D" => new Sequential(
            new Conv2D(4, (3, 2), strides: (2, 1), padding: Padding.Same, activation: Activation.Relu, inputShape: [9, 8, 2]),
            new Conv2D(3, 3, name: "second")),
        "MaxPooling2D" => new Sequential(new Conv2D(2, 3, inputShape: [10, 10, 1]), new MaxPooling2D((3, 3), (2, 2), Padding.Same)),
        "Flatten" => new Sequential(new Conv2D(2, 3, inputShape: [6, 6, 1]), new Flatten(), new Dense(4)),
        "Dropout" => new Sequential(new Dense(6, inputShape: [4]), new Dropout(0.5f, seed: 3), new Dense(2, Activation.Softmax)),
        "Seed CNN" => DeepSharp.Tests.Training.SeedModel.Create(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor Inputs(Model model, int batch, int seed) =>
        Tensor.RandomUniform(model.Layers[0].BuiltInputShape!.Value.WithBatch(batch), -1f, 1f, new RandomGenerator(seed));

    private static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(e[i]), BitConverter.SingleToInt32Bits(a[i]));
    }

    [Theory]
    [MemberData(nameof(LayerModels))]
    public void SaveLoadGivesIdenticalPredictions(string kind)
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = Create(kind);
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);

        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => (l.TypeName, l.Name)), loaded.Layers.Select(l => (l.TypeName, l.Name)));
        Assert.Equal(model.Summary(_ => { }), loaded.Summary(_ => { }));
        var x = Inputs(model, 5, 2);
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));

        // Saving the loaded model writes the same bytes: the file is a fixed point.
        string again = folder.File("again.safetensors");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Theory]
    [MemberData(nameof(LayerModels))]
    public void ConfigRoundTrips(string kind)
    {
        var model = Create(kind);
        var json = ModelConfig.ToJson("Sequential", model.Name, model.Layers, model.Layers[0].BuiltInputShape);
        var description = ModelConfig.Parse(json.ToJsonString(), "config");
        Assert.Equal("Sequential", description.ClassName);
        Assert.Equal(model.Layers[0].BuiltInputShape, description.BuildInputShape);
        Assert.Equal(model.Layers.Count, description.Layers.Count);
        for (int i = 0; i < model.Layers.Count; i++)
            Assert.True(JsonNode.DeepEquals(model.Layers[i].GetConfig(), description.Layers[i].GetConfig()), model.Layers[i].Name);
    }

    [Fact]
    public void WeightsLoadIntoAFreshModelOfTheSameArchitecture()
    {
        RandomGenerator.SetGlobalSeed(1);
        var trained = Create("Seed CNN");
        RandomGenerator.SetGlobalSeed(2);
        var fresh = Create("Seed CNN");
        var x = Inputs(trained, 3, 9);
        Assert.NotEqual(trained.Predict(x).ToArray(), fresh.Predict(x).ToArray());

        using var folder = new TempFolder();
        string path = folder.File("weights.safetensors");
        trained.SaveWeights(path);
        fresh.LoadWeights(path);
        AssertBitwiseEqual(trained.Predict(x), fresh.Predict(x));

        // A weights-only file has no architecture: Model.Load says so.
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("LoadWeights", e.Message);
    }

    [Fact]
    public void MismatchListsEveryNameWithBothShapes()
    {
        var saved = new Sequential(new Dense(4, inputShape: [3]), new Dense(2), new Dense(2, name: "extra"));
        var other = new Sequential(new Dense(5, inputShape: [3]), new Dense(2), new Dense(1, name: "head"));
        using var folder = new TempFolder();
        string path = folder.File("w.safetensors");
        saved.SaveWeights(path);
        var before = other.Parameters.Select(p => p.Value.ToArray()).ToArray();

        var e = Assert.Throws<WeightMismatchException>(() => other.LoadWeights(path));
        Assert.Contains("dense/kernel: file (3, 4), model (3, 5)", e.Message);
        Assert.Contains("dense/bias: file (4,), model (5,)", e.Message);
        Assert.Contains("dense_1/kernel: file (4, 2), model (5, 2)", e.Message);
        Assert.Contains("head/kernel: missing from the file (model (2, 1))", e.Message);
        Assert.Contains("extra/kernel: in the file (2, 2) but not in the model", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(7, e.Problems.Count);
        Assert.Equal(before, other.Parameters.Select(p => p.Value.ToArray()).ToArray()); // nothing was copied
    }

    [Fact]
    public void OnlyRegisteredLayerTypesAreCreated()
    {
        var model = Create("Dense");
        using var folder = new TempFolder();
        string path = folder.File("m.safetensors");
        model.Save(path);
        var file = SafetensorsFile.Load(path);
        file.Metadata["model_config"] = file.Metadata["model_config"].Replace("\"Dense\"", "\"System.Diagnostics.Process\"");
        file.Save(path);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("Unknown layer type 'System.Diagnostics.Process'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("\"units\":5", "\"units\":\"five\"", "Layer 'dense' (Dense): config key 'units' must be an integer")]
    [InlineData("\"units\":5", "\"units\":200000000", "needs 1400000000 elements")]
    [InlineData("\"units\":5", "\"units\":2000000000", "more than 2147483647 elements")]
    [InlineData("\"units\":5", "\"units\":-5", "config key 'units' must be an integer ≥ 1, got -5")]
    [InlineData("\"class_name\":\"Sequential\"", "\"class_name\":\"Graph\"", "model class 'Graph' is unknown")]
    [InlineData("\"class_name\":\"Sequential\"", "\"class_name\":\"Functional\"", "lacks input_layers")]
    [InlineData("\"build_input_shape\":[null,7]", "\"build_input_shape\":[7]", "expected [null, d1, d2, ...]")]
    [InlineData("{", "[", "not valid JSON")]
    public void BadConfigsAreDataFormatErrors(string find, string replace, string expected)
    {
        var model = Create("Dense");
        using var folder = new TempFolder();
        string path = folder.File("m.safetensors");
        model.Save(path);
        var file = SafetensorsFile.Load(path);
        string config = file.Metadata["model_config"];
        Assert.Contains(find, config);
        int at = config.IndexOf(find, StringComparison.Ordinal);
        file.Metadata["model_config"] = config[..at] + replace + config[(at + find.Length)..];
        file.Save(path);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), e.Message);
        Assert.Contains(path, e.Message);
    }
}
