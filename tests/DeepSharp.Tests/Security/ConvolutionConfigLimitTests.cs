using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Hostile geometry in the configs of ConvLSTM1D/2D/3D, Conv1DTranspose/Conv2DTranspose's output_padding and
/// the recurrent cells (session 18's audit; see docs/security.md): each is refused
/// with a DeepSharpException naming the layer and the key or shape, before anything large is allocated.
/// </summary>
public sealed class ConvolutionConfigLimitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A model's architecture with one layer's config edited.</summary>
    private static string Edited(Model model, string layer, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(model.ToJson())!.AsObject();
        edit(FuzzHarness.LayerConfigIn(config, layer));
        return config.ToJsonString();
    }

    private static Model ConvLstmModel() =>
        new Sequential(new ConvLstm2D(2, (2, 2), inputShape: [3, 4, 4, 1], name: "video"), new Flatten(), new Dense(2));

    [Fact]
    public void AConvLstmKernelWiderThanAValidInputIsRefusedBeforeItsWeightsAreMade()
    {
        // Its 48 million weights (192 MB) were allocated and initialized (orthogonally: 4 s in Debug) before the geometry was checked.
        string json = Edited(ConvLstmModel(), "video", c => c["kernel_size"] = new JsonArray(1, 2_000_000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => Model.FromJson(json));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.Contains("'video'", e.Message);
        Assert.Contains("2000000", e.Message);
        Assert.Contains("(None, 3, 4, 4, 1)", e.Message);
    }

    [Theory]
    [InlineData("filters", "100000", "kernel_size", "[100, 100]")] // 100 · 100 · 1 · 400,000 weights
    [InlineData("filters", "536870911", "kernel_size", "[2, 2]")]  // 4 · filters just fits an int; 2 · 2 · 4 · filters does not
    public void ConvLstmWeightsPastTwoToThe31AreRefusedNamingTheLayer(string key, string value, string key2, string value2)
    {
        string json = Edited(ConvLstmModel(), "video", c =>
        {
            c[key] = JsonNode.Parse(value);
            c[key2] = JsonNode.Parse(value2);
            c["padding"] = "same";
        });
        var e = Assert.Throws<DataFormatException>(() => Model.FromJson(json));
        Assert.Contains("'video' (ConvLSTM2D)", e.Message);
        Assert.Contains("2147483647", e.Message);
    }

    [Theory]
    [InlineData("filters", "536870912")]
    [InlineData("recurrent_dropout", "1")]
    [InlineData("recurrent_dropout", "-0.5")]
    [InlineData("dropout", "1e308")]
    [InlineData("kernel_size", "[1, 2, 3]")]
    [InlineData("strides", "[2, 2]")] // with dilation 2: Keras refuses the pair too
    [InlineData("data_format", "\"channels_first\"")]
    [InlineData("kernel_regularizer", "{\"class_name\": \"L2\", \"config\": {\"l2\": 1e39}}")]
    [InlineData("recurrent_initializer", "{\"class_name\": \"Orthogonal\", \"config\": {\"gain\": \"NaN\"}}")]
    [InlineData("activation", "{\"class_name\": \"Evil\", \"config\": {}}")]
    public void ConvLstmSettingsOutOfRangeAreRefusedNamingTheKey(string key, string value)
    {
        var model = new Sequential(new ConvLstm2D(2, (2, 2), dilationRate: (2, 2), inputShape: [3, 5, 5, 1], name: "video"), new Flatten(), new Dense(2));
        string path = _folder.File(key + ".safetensors");
        model.Save(path);
        File.WriteAllBytes(path, FuzzHarness.EditModelConfig(File.ReadAllBytes(path), c => FuzzHarness.LayerConfigIn(c, "video")[key] = JsonNode.Parse(value)));
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("'video'", e.Message);
        Assert.Contains(key is "filters" or "strides" ? key.TrimEnd('s') : key, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Conv1DTranspose", "-1")]
    [InlineData("Conv1DTranspose", "2")]          // equal to the stride
    [InlineData("Conv1DTranspose", "[1, 1]")]     // wrong length
    [InlineData("Conv1DTranspose", "2147483647")]
    [InlineData("Conv1DTranspose", "[null]")]
    [InlineData("Conv2DTranspose", "[1]")]
    [InlineData("Conv2DTranspose", "[1, 1, 1]")]
    [InlineData("Conv2DTranspose", "[-1, 0]")]
    [InlineData("Conv2DTranspose", "[2147483647, 1]")]
    [InlineData("Conv2DTranspose", "[1, 1.5]")]
    [InlineData("Conv2DTranspose", "\"same\"")]
    public void TransposedOutputPaddingOutOfRangeIsRefusedNamingTheLayer(string type, string value)
    {
        Model model = type == "Conv1DTranspose"
            ? new Sequential(new Conv1DTranspose(2, 3, strides: 2, outputPadding: 1, inputShape: [5, 2], name: "up"), new Flatten(), new Dense(2))
            : new Sequential(new Conv2DTranspose(2, (3, 3), (2, 2), outputPadding: (1, 1), inputShape: [4, 4, 2], name: "up"), new Flatten(), new Dense(2));
        string path = _folder.File(type + ".safetensors");
        model.Save(path);
        File.WriteAllBytes(path, FuzzHarness.EditModelConfig(File.ReadAllBytes(path), c => FuzzHarness.LayerConfigIn(c, "up")["output_padding"] = JsonNode.Parse(value)));
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("'up'", e.Message);
        Assert.Contains(type, e.Message);
        Assert.Contains("utput", e.Message); // output_padding, or the constructor's outputPadding
    }

    [Fact]
    public void AStrideAndOutputPaddingNear2To31AreRefusedByTheGeometry()
    {
        string json = Edited(new Sequential(new Conv1DTranspose(2, 3, strides: 2, outputPadding: 1, inputShape: [100, 2], name: "up"), new Flatten(), new Dense(2)), "up", c =>
        {
            c["strides"] = new JsonArray(1 << 30);
            c["output_padding"] = new JsonArray((1 << 30) - 1);
        });
        var e = Assert.Throws<DataFormatException>(() => Model.FromJson(json));
        Assert.Contains("'up'", e.Message);
        Assert.Contains("(None, 100, 2)", e.Message);
    }

    [Fact]
    public void ACellWhoseWeightsPassTwoToThe31NamesTheRnnAndTheCell()
    {
        var config = JsonNode.Parse(new Sequential(new Rnn(new LstmCell(2), name: "outer", inputShape: [4, 3])).ToJson())!.AsObject();
        FuzzHarness.LayerConfigIn(config, "outer")["cell"] = new JsonObject { ["class_name"] = "LSTMCell", ["config"] = new JsonObject { ["units"] = 536_870_911, ["name"] = "huge" } };
        var e = Assert.Throws<DataFormatException>(() => Model.FromJson(config.ToJsonString()));
        Assert.Contains("'outer' (RNN)", e.Message); // it said only "Shape (3, 2147483644) has more than 2147483647 elements."
        Assert.Contains("'huge' (LSTMCell)", e.Message);
        Assert.Contains("2147483644", e.Message);
    }
}
