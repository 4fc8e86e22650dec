using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Keras's data_format key (session 18's audit): DeepSharp is channels-last only, and a Keras config saying
/// "channels_first" used to load silently as channels-last wherever the layer's reader did not look at the key
/// (MaxPooling2D, AveragePooling2D, Flatten, RandomFlip, CenterCrop and most image layers), computing something
/// else. Every built-in type now refuses it, naming the layer, the key and the value.
/// </summary>
public sealed class DataFormatConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EveryBuiltInTypeRefusesChannelsFirst()
    {
        foreach (string type in LayerRegistry.KnownTypes)
        {
            var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, new JsonObject { ["name"] = "cf", ["data_format"] = "channels_first" }));
            Assert.Contains("'cf'", e.Message);
            Assert.Contains("'data_format'", e.Message);
            Assert.Contains("channels_first", e.Message);
            Assert.Contains("channels_last", e.Message);
        }
    }

    [Theory]
    [InlineData("7")]
    [InlineData("\"NCHW\"")]
    [InlineData("\"\\ud800\"")]
    [InlineData("[\"channels_last\"]")]
    public void ADataFormatThatIsNotAKerasNameIsRefused(string value)
    {
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("MaxPooling2D", new JsonObject { ["name"] = "p", ["data_format"] = JsonNode.Parse(value) }));
        Assert.Contains("'p'", e.Message);
        Assert.Contains("'data_format'", e.Message);
    }

    [Fact]
    public void KerasConfigsSayingChannelsLastOrNullStillLoad()
    {
        foreach (var format in new JsonNode?[] { "channels_last", null })
        {
            var pool = (MaxPooling2D)LayerRegistry.Create("MaxPooling2D", new JsonObject { ["name"] = "p", ["pool_size"] = new JsonArray(3, 3), ["data_format"] = format?.DeepClone() });
            Assert.Equal((3, 3), pool.PoolSize);
            Assert.IsType<Flatten>(LayerRegistry.Create("Flatten", new JsonObject { ["name"] = "f", ["data_format"] = format?.DeepClone() }));
        }
    }

    [Theory]
    [InlineData("pool")]
    [InlineData("flatten")]
    public void AModelFileSayingChannelsFirstIsRefusedNamingTheLayer(string layer)
    {
        var model = new Sequential(new MaxPooling2D((2, 2), inputShape: [4, 4, 3], name: "pool"), new Flatten(name: "flatten"), new Dense(2));
        string path = _folder.File(layer + ".safetensors");
        model.Save(path);
        File.WriteAllBytes(path, FuzzHarness.EditModelConfig(File.ReadAllBytes(path), c => FuzzHarness.LayerConfigIn(c, layer)["data_format"] = "channels_first"));
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains($"'{layer}'", e.Message);
        Assert.Contains("'data_format'", e.Message);
        Assert.Contains(path, e.Message);
        // The unedited model reads (batch, rows, columns, channels) as before.
        Assert.Equal(new Shape(1, 2), model.Predict(Tensor.Zeros(1, 4, 4, 3)).Shape);
    }
}
