using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 4: a functional config of 20,000 weightless layers listed last call first took
/// 66 s to load (each round searched every pending call). Reading is now linear, and a config may
/// list at most <see cref="ModelConfig.MaxLayers"/> layers and make <see cref="ModelConfig.MaxLayerCalls"/> calls.
/// </summary>
public class LayerGraphLimitTests(ITestOutputHelper output)
{
    // Linear reading takes 0.1–0.3 s here (Debug); the quadratic one took 66 s at 20,000 layers and ~16 s
    // at the 10,000 limit. The bound is loose so that a loaded CI machine does not fail a linear load.
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(8);

    private (TimeSpan Time, Exception? Error, Model? Model) LoadFile(string config)
    {
        using var folder = new TempFolder();
        string path = folder.File("chain.safetensors");
        File.WriteAllBytes(path, HostileFiles.ModelFile(config));
        var clock = Stopwatch.StartNew();
        try
        {
            var model = Model.Load(path);
            return (clock.Elapsed, null, model);
        }
        catch (DeepSharpException e)
        {
            return (clock.Elapsed, e, null);
        }
    }

    [Fact]
    public void AReversedChainOf20000LayersIsRefusedQuickly()
    {
        var config = HostileFiles.ReversedChainConfig(20_000);
        var (time, error, _) = LoadFile(config);
        output.WriteLine($"20,000-layer reversed chain ({config.Length / 1e6:F1} MB of config): {time.TotalMilliseconds:F0} ms; {error?.Message}");
        Assert.IsType<DataFormatException>(error);
        Assert.Contains($"at most {ModelConfig.MaxLayers}", error.Message);
        Assert.True(time < Quick, $"{time.TotalSeconds:F1}s");
    }

    /// <summary>At the limit the chain loads, in time linear in its length, and computes what it says.</summary>
    [Fact]
    public void AReversedChainAtTheLimitLoadsInLinearTime()
    {
        var config = HostileFiles.ReversedChainConfig(ModelConfig.MaxLayers - 1); // plus the input layer
        var (time, error, model) = LoadFile(config);
        output.WriteLine($"{ModelConfig.MaxLayers - 1}-layer reversed chain ({config.Length / 1e6:F1} MB of config): {time.TotalMilliseconds:F0} ms");
        Assert.Null(error);
        Assert.True(time < Quick, $"{time.TotalSeconds:F1}s");
        Assert.Equal(ModelConfig.MaxLayers, model!.Layers.Count);
        var y = model.Predict(Tensor.FromArray([-1f, 2f, -3f, 4f], 1, 4));
        Assert.Equal([0f, 2f, 0f, 4f], y.ToArray());

        // The summary of such a model is linear too (it looked up each layer's calls among all calls).
        var clock = Stopwatch.StartNew();
        model.Summary(_ => { });
        model.GetConfig();
        Assert.True(clock.Elapsed < Quick, $"summary and config: {clock.Elapsed.TotalSeconds:F1}s");
    }

    [Fact]
    public void TooManyLayersInASequentialConfigAreRefused()
    {
        var sb = new StringBuilder("{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[");
        for (int i = 0; i <= ModelConfig.MaxLayers; i++) sb.Append("{\"class_name\":\"Dropout\",\"config\":{\"rate\":0.5}},");
        sb[^1] = ']';
        sb.Append(",\"build_input_shape\":[null,3]}}");
        var (time, error, _) = LoadFile(sb.ToString());
        Assert.IsType<DataFormatException>(error);
        Assert.Contains($"{ModelConfig.MaxLayers + 1} layers", error.Message);
        Assert.True(time < Quick);
    }

    [Fact]
    public void TooManyCallsAreRefused()
    {
        // One shared Activation layer called MaxLayerCalls + 1 times on the input.
        var call = "{\"args\":[{\"class_name\":\"__keras_tensor__\",\"config\":{\"shape\":[null,4],\"dtype\":\"float32\",\"keras_history\":[\"in\",0,0]}}],\"kwargs\":{}}";
        var config = "{\"class_name\":\"Functional\",\"config\":{\"name\":\"f\",\"layers\":[" +
            "{\"class_name\":\"InputLayer\",\"config\":{\"batch_shape\":[null,4],\"dtype\":\"float32\",\"name\":\"in\"},\"name\":\"in\",\"inbound_nodes\":[]}," +
            "{\"class_name\":\"Activation\",\"config\":{\"name\":\"a\",\"activation\":\"relu\"},\"name\":\"a\",\"inbound_nodes\":[" +
            string.Join(",", Enumerable.Repeat(call, ModelConfig.MaxLayerCalls + 1)) +
            "]}],\"input_layers\":[[\"in\",0,0]],\"output_layers\":[[\"a\",0,0]]}}";
        var (time, error, _) = LoadFile(config);
        Assert.IsType<DataFormatException>(error);
        Assert.Contains($"at most {ModelConfig.MaxLayerCalls}", error.Message);
        Assert.True(time < Quick);
    }

    private static JsonObject Graph(params string[] layers) => (JsonObject)JsonNode.Parse(
        "{\"name\":\"g\",\"layers\":[" +
        "{\"class_name\":\"InputLayer\",\"config\":{\"batch_shape\":[null,4],\"dtype\":\"float32\",\"name\":\"in\"},\"name\":\"in\",\"inbound_nodes\":[]}," +
        string.Join(",", layers) + "],\"input_layers\":[[\"in\",0,0]],\"output_layers\":[[\"b\",0,0]]}")!;

    private static string Layer(string name, params (string Layer, int Node)[] calls) =>
        $"{{\"class_name\":\"Activation\",\"config\":{{\"name\":\"{name}\",\"activation\":\"relu\"}},\"name\":\"{name}\",\"inbound_nodes\":[" +
        string.Join(",", calls.Select(c => $"{{\"args\":[{{\"class_name\":\"__keras_tensor__\",\"config\":{{\"keras_history\":[\"{c.Layer}\",{c.Node},0]}}}}],\"kwargs\":{{}}}}")) + "]}";

    [Theory]
    [InlineData("a cycle", "never appear")]
    [InlineData("a call never made", "call 3 of layer 'a', which is never made")]
    [InlineData("a negative call", "call -1 of layer 'a'")]
    [InlineData("an unknown layer", "unknown layer 'zz'")]
    public void BrokenGraphsAreDeepSharpErrors(string what, string expected)
    {
        var config = what switch
        {
            "a cycle" => Graph(Layer("a", ("b", 0)), Layer("b", ("a", 0))),
            "a call never made" => Graph(Layer("a", ("in", 0)), Layer("b", ("a", 3))),
            "a negative call" => Graph(Layer("a", ("in", 0)), Layer("b", ("a", -1))),
            _ => Graph(Layer("a", ("in", 0)), Layer("b", ("zz", 0))),
        };
        var e = Assert.ThrowsAny<DeepSharpException>(() => Functional.FromConfig(config));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A shared layer's calls keep the listed order (its node indices), even when a later call's input exists first.</summary>
    [Fact]
    public void ASharedLayersCallsKeepTheirListedOrder()
    {
        // b's call 0 reads a's output (made after b is listed); b's call 1 reads the input directly.
        var config = Graph(Layer("b", ("a", 0), ("in", 0)), Layer("a", ("in", 0)));
        config["output_layers"] = new JsonArray(new JsonArray("b", 0, 0), new JsonArray("b", 1, 0));
        var model = Functional.FromConfig(config);
        var again = (JsonObject)model.GetConfig();
        var b = again["layers"]!.AsArray().Single(l => (string?)l!["name"] == "b")!;
        var histories = b["inbound_nodes"]!.AsArray().Select(n => (string)n!["args"]![0]!["config"]!["keras_history"]![0]!).ToArray();
        Assert.Equal(["a", "in"], histories);
    }
}
