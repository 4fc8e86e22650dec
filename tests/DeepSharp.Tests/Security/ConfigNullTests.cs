using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 3: null inside config arrays escaped as NullReferenceException. Every case
/// must now be a DataFormatException that names the layer and the key.
/// </summary>
public sealed class ConfigNullTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private byte[] Saved(Model model)
    {
        string path = _folder.File(Guid.NewGuid().ToString("N") + ".safetensors");
        model.Save(path);
        return File.ReadAllBytes(path);
    }

    private DataFormatException LoadEdited(byte[] file, string layer, string key, string json)
    {
        var edited = FuzzHarness.EditModelConfig(file, config => FuzzHarness.LayerConfigIn(config, layer)[key] = JsonNode.Parse(json));
        string path = _folder.File(Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, edited);
        return Assert.Throws<DataFormatException>(() => Model.Load(path));
    }

    private static void AssertNames(DataFormatException e, string layer, string key)
    {
        Assert.Contains($"'{layer}'", e.Message);
        Assert.Contains($"'{key}'", e.Message);
    }

    [Theory]
    [InlineData("RandomRotation", "factor")]
    [InlineData("RandomZoom", "height_factor")]
    [InlineData("RandomZoom", "width_factor")]
    [InlineData("RandomTranslation", "height_factor")]
    [InlineData("RandomTranslation", "width_factor")]
    public void NullInsideAnAugmentationFactor(string type, string key)
    {
        Layer layer = type switch
        {
            "RandomRotation" => new RandomRotation(0.1f, name: "aug", inputShape: [4, 4, 1]),
            "RandomZoom" => new RandomZoom(0.1f, 0.1f, name: "aug", inputShape: [4, 4, 1]),
            _ => new RandomTranslation(0.1f, 0.1f, name: "aug", inputShape: [4, 4, 1]),
        };
        var file = Saved(new Sequential(layer, new Flatten(), new Dense(2)));
        foreach (string json in new[] { "[null, 0.1]", "[0.1, null]", "[null, null]", "[null]", "\"0.1\"", "[0.2, 0.1]", "1e308", "[\"NaN\", 1]" })
            AssertNames(LoadEdited(file, "aug", key, json), "aug", key);
    }

    [Theory]
    [InlineData("kernel_size")]
    [InlineData("strides")]
    [InlineData("dilation_rate")]
    public void NullInsideAConv1DSize(string key)
    {
        var file = Saved(new Sequential(new Conv1D(2, 3, name: "conv", inputShape: [8, 1]), new Flatten(), new Dense(2)));
        foreach (string json in new[] { "[null]", "[null, 1]", "[0]", "[-1]", "[2147483648]", "[1.5]", "{}" })
            AssertNames(LoadEdited(file, "conv", key, json), "conv", key);
    }

    [Fact]
    public void NullDimensionsInAnInputLayerBatchShape()
    {
        var input = Model.Input([3], name: "in");
        var model = new Functional([input], [new Dense(2).Call(input)]);
        var file = Saved(model);
        foreach (string json in new[] { "[null, null]", "[null, 3, null]", "[null, -3]", "[null, 0]", "[null, \"3\"]", "[]", "\"3\"" })
            AssertNames(LoadEdited(file, "in", "batch_shape", json), "in", "batch_shape");
    }

    [Fact]
    public void ConfigsBuiltInMemoryAreReadByTheSameReader()
    {
        // LayerRegistry.Clone reads the config a layer writes (JsonValues of int, float, bool), not parsed JSON.
        var layers = new Layer[]
        {
            new Conv1D(2, 3, dilationRate: 2, name: "c1"), new Conv2D(2, (2, 3), dilationRate: (1, 2), name: "c2"),
            new Dropout(0.25f, seed: 3), new RandomZoom((-0.2f, 0.1f), null, fillValue: 0.5f), new BatchNormalization(momentum: 0.9f),
            new LayerNormalization([1, 2], epsilon: 1e-4f), new Reshape([-1, 2]), new MultiHeadAttention(2, 4, dropout: 0.1f, outputShape: 6),
        };
        foreach (var layer in layers)
            Assert.Equal(layer.GetConfig().ToJsonString(), LayerRegistry.Clone(layer).GetConfig().ToJsonString());
    }

    [Fact]
    public void LayerRegistryErrorsNameTheLayerAndKey()
    {
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dense", new JsonObject { ["name"] = "d", ["units"] = null }));
        Assert.Contains("'d'", e.Message);
        Assert.Contains("'units'", e.Message);
        e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dense", new JsonObject { ["name"] = "d", ["units"] = 4, ["use_bias"] = "yes" }));
        Assert.Contains("'use_bias'", e.Message);
        e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Dense", (JsonObject)JsonNode.Parse("{\"name\": \"d\\ud800\", \"units\": 4}")!));
        Assert.Contains("'name'", e.Message);
    }
}
