using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>A graph model with two named inputs and two outputs behind the server: named JSON inputs in, named outputs out.</summary>
public sealed class MultiTensorTests : IAsyncLifetime
{
    private Model _model = null!;
    private ModelServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        RandomGenerator.SetGlobalSeed(8);
        var image = Model.Input([2, 3], name: "image");
        var extra = Model.Input([4], name: "extra");
        var merged = new Concatenate().Call(new Flatten().Call(image), extra);
        _model = new Functional([image, extra], [new Dense(3, Activation.Softmax, name: "label").Call(merged), new Dense(1, name: "score").Call(extra)], name: "two-by-two");
        _server = new ModelServer(new ServedModel(_model), new ServingOptions { Port = 0, MaxInputsPerRequest = 4 });
        await _server.StartAsync();
        _client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task NamedInputsGiveModelPredictOutputsByName()
    {
        float[] a = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, -1f, 2f, 0f, 1f, 1f, 1f], b = [1f, 2f, 3f, 4f, -4f, -3f, -2f, -1f];
        string body = """{"inputs": {"extra": [[1, 2, 3, 4], [-4, -3, -2, -1]], "image": [[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [-1, 2, 0, 1, 1, 1]]}}""";
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(body)), 200);
        var expected = _model.Predict([Tensor.FromArray(a, 2, 2, 3), Tensor.FromArray(b, 2, 4)]);
        var outputs = json["outputs"]!.AsObject();
        Assert.Equal(["label", "score"], outputs.Select(p => p.Key));
        Assert.Equal(expected[0].ToArray(), outputs["label"]!.AsArray().SelectMany(r => Requests.Floats(r!)));
        Assert.Equal(expected[1].ToArray(), outputs["score"]!.AsArray().SelectMany(r => Requests.Floats(r!)));
        var info = JsonNode.Parse(await _client.GetStringAsync("/v1/model"))!;
        Assert.Equal("tensors", (string)info["input_kind"]!);
        Assert.Equal("""[{"name":"image","shape":[null,2,3]},{"name":"extra","shape":[null,4]}]""", info["inputs"]!.ToJsonString());
        Assert.Equal("""[{"name":"label","shape":[null,3]},{"name":"score","shape":[null,1]}]""", info["outputs"]!.ToJsonString());
    }

    public static TheoryData<string, int, string> BadRequests => new()
    {
        { """{"inputs": {"image": [[1,2,3,4,5,6]]}}""", 400, "'extra' missing" },
        { """{"inputs": {"image": [[1,2,3,4,5,6]], "extra": [[1,2,3,4]], "other": [[1]]}}""", 400, "no input 'other'" },
        { """{"inputs": {"image": [[1,2,3,4,5,6]], "image": [[1,2,3,4,5,6]]}}""", 400, "given twice" },
        { """{"inputs": {"image": [[1,2,3,4,5,6]], "extra": [[1,2,3,4], [1,2,3,4]]}}""", 400, "one entry per sample" },
        { """{"inputs": {"image": [[1,2,3,4,5]], "extra": [[1,2,3,4]]}}""", 400, "shape [2, 3]" },
        { """{"inputs": {"image": [], "extra": []}}""", 400, "empty" },
        { """{"inputs": [[1,2,3,4,5,6]]}""", 400, "keyed by input name" },
        { """{"inputs": {"image": [[1,2,3,4,5,6],[1,2,3,4,5,6],[1,2,3,4,5,6],[1,2,3,4,5,6],[1,2,3,4,5,6]], "extra": [[1,2,3,4]]}}""", 413, "at most 4" },
        { """{"text": "hello"}""", 400, "unknown key" },
        { """{"inputs": {"image": [[1,2,3,4,5,NaN]], "extra": [[1,2,3,4]]}}""", 400, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsAreRefused(string body, int status, string expected)
    {
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(body)), status);
        Assert.Contains(expected, (string)json["error"]!);
    }

    [Fact]
    public async Task OtherContentTypesAreRefused()
    {
        var content = new ByteArrayContent(new byte[24]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", content), 415);
        Assert.Contains("2 inputs and 2 outputs", (string)json["error"]!);
    }
}
