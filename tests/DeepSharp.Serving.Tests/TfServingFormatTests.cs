using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// TF Serving's REST format beside DeepSharp's own: <c>{"instances": [...]}</c> (with an optional
/// "signature_name") is answered <c>{"predictions": [[...]]}</c>, at /v1/predict and at TF Serving's
/// /v1/models/{name}:predict; a row may name the one input (<c>{"input": [...]}</c>), as TF Serving takes it; a body
/// that gives its inputs twice, or another model's name, is refused.
/// </summary>
public sealed class TfServingFormatTests : IAsyncLifetime
{
    private Sequential _model = null!;
    private ModelServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        RandomGenerator.SetGlobalSeed(31);
        _model = new Sequential([new Dense(5, Activation.Tanh, inputShape: [4]), new Dense(3, Activation.Softmax)], name: "iris");
        _server = new ModelServer(new ServedModel(_model), new ServingOptions { Port = 0 });
        await _server.StartAsync();
        _client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private float[] Expected(float[] row) => _model.Predict(Tensor.FromArray(row, 1, 4)).ToArray();

    [Theory]
    [InlineData("/v1/predict", """{"instances": [[0.5, -1, 2, 0], [1e-1, 0, 0, 3]]}""")]
    [InlineData("/v1/predict", """{"signature_name": "serving_default", "instances": [[0.5, -1, 2, 0], [0.1, 0, 0, 3]]}""")]
    [InlineData("/v1/models/iris:predict", """{"instances": [[0.5, -1, 2, 0], [0.1, 0, 0, 3]]}""")]
    [InlineData("/v1/models/iris:predict", """{"instances": [{"input": [0.5, -1, 2, 0]}, {"input": [0.1, 0, 0, 3]}]}""")]
    [InlineData("/v1/predict", """{"instances": [{"input": [0.5, -1, 2, 0]}, [0.1, 0, 0, 3]]}""")]
    public async Task InstancesAreAnsweredAsTfServingAnswersThem(string url, string body)
    {
        var json = await Requests.Read(await _client.PostAsync(url, Requests.Json(body)), 200);
        Assert.Equal(["predictions"], json.Select(p => p.Key));
        var predictions = json["predictions"]!.AsArray();
        Assert.Equal(2, predictions.Count);
        Assert.Equal(Expected([0.5f, -1, 2, 0]), Requests.Floats(predictions[0]!));
        Assert.Equal(Expected([0.1f, 0, 0, 3]), Requests.Floats(predictions[1]!));
    }

    [Fact]
    public async Task TheColumnarInputsFormatKeepsDeepSharpsAnswerAtTheTfServingUrl()
    {
        var json = await Requests.Read(await _client.PostAsync("/v1/models/iris:predict", Requests.Json([0.5f, -1, 2, 0])), 200);
        Assert.Equal(Expected([0.5f, -1, 2, 0]), Requests.Floats(json["outputs"]![0]!));
    }

    [Theory]
    [InlineData("""{"inputs": [[1, 2, 3, 4]], "instances": [[1, 2, 3, 4]]}""", "give one of \"inputs\" and \"instances\"")]
    [InlineData("""{"instances": []}""", "\"instances\" is empty")]
    [InlineData("""{"instances": [[1, 2, 3]]}""", "input 0 has 3 values")]
    [InlineData("""{"signature_name": 3, "instances": [[1, 2, 3, 4]]}""", "\"signature_name\" must be a string")]
    [InlineData("""{"instance": [[1, 2, 3, 4]]}""", "unknown key 'instance'")]
    [InlineData("""{"instances": [{"x": [1, 2, 3, 4]}]}""", "instance 0 names input 'x'; the model's one input is 'input'")]
    [InlineData("""{"instances": [[1, 2, 3, 4], {}]}""", "instance 1 is an empty object")]
    [InlineData("""{"instances": [{"input": [1, 2, 3, 4], "input": [1, 2, 3, 4]}]}""", "names more than one input")]
    [InlineData("""{"instances": [{"input": [1, 2, 3]}]}""", "input 0 has 3 values")]
    [InlineData("""{"inputs": [{"input": [1, 2, 3, 4]}]}""", "input 0 is not an array")]
    public async Task ABadTfServingBodyIsA400(string body, string expected) =>
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json(body)), 400, expected);

    [Fact]
    public async Task AModelFileServesUnderItsNameAndItsStem()
    {
        await using var server = new ModelServer(new ServedModel(_model, name: "iris.safetensors"), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        foreach (string url in new[] { "/v1/models/iris:predict", "/v1/models/iris.safetensors:predict" })
        {
            var json = await Requests.Read(await client.PostAsync(url, Requests.Json("""{"instances": [[0.5, -1, 2, 0]]}""")), 200);
            Assert.Equal(Expected([0.5f, -1, 2, 0]), Requests.Floats(json["predictions"]![0]!));
        }
        await Requests.Error(await client.PostAsync("/v1/models/iris.safe:predict", Requests.Json([0.5f, -1, 2, 0])), 404, "this server serves 'iris.safetensors'");
    }

    [Fact]
    public async Task AnotherModelsNameIsA404() =>
        await Requests.Error(await _client.PostAsync("/v1/models/resnet:predict", Requests.Json([0.5f, -1, 2, 0])), 404, "this server serves 'iris'");
}

/// <summary>
/// TF Serving's rows for <see cref="MultiTensorTests"/>'s model (two named inputs, two outputs), on its server:
/// one object per sample in, one object per sample out.
/// </summary>
public sealed partial class MultiTensorTests
{
    [Fact]
    public async Task InstancesNameEveryInputAndGetEveryOutputByName()
    {
        float[] a = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, -1f, 2f, 0f, 1f, 1f, 1f], b = [1f, 2f, 3f, 4f, -4f, -3f, -2f, -1f];
        string body = """{"signature_name": "serving_default", "instances": [{"image": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "extra": [1, 2, 3, 4]}, {"extra": [-4, -3, -2, -1], "image": [-1, 2, 0, 1, 1, 1]}]}""";
        var json = await Requests.Read(await _client.PostAsync("/v1/models/two-by-two:predict", Requests.Json(body)), 200);
        var expected = _model.Predict([Tensor.FromArray(a, 2, 2, 3), Tensor.FromArray(b, 2, 4)]);
        var predictions = json["predictions"]!.AsArray();
        Assert.Equal(2, predictions.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(["label", "score"], predictions[i]!.AsObject().Select(p => p.Key));
            Assert.Equal(expected[0].ToArray()[(3 * i)..(3 * i + 3)], Requests.Floats(predictions[i]!["label"]!));
            Assert.Equal(expected[1].ToArray()[i..(i + 1)], Requests.Floats(predictions[i]!["score"]!));
        }
    }

    public static TheoryData<string, int, string> BadInstances => new()
    {
        { """{"instances": [{"image": [1,2,3,4,5,6]}]}""", 400, "instance 0 lacks input 'extra'" },
        { """{"instances": [{"image": [1,2,3,4,5,6], "extra": [1,2,3,4], "other": [1]}]}""", 400, "no input 'other'" },
        { """{"instances": [{"image": [1,2,3,4,5,6], "image": [1,2,3,4,5,6]}]}""", 400, "given twice" },
        { """{"instances": [[1,2,3,4,5,6]]}""", 400, "instance 0 is not an object" },
        { """{"instances": [{"image": [1,2,3,4,5], "extra": [1,2,3,4]}]}""", 400, "shape [2, 3]" },
        { """{"instances": {"image": [1,2,3,4,5,6]}}""", 400, "one object per sample" },
        { """{"inputs": {"image": [[1,2,3,4,5,6]], "extra": [[1,2,3,4]]}, "instances": []}""", 400, "give one of" },
        { """{"instances": []}""", 400, "empty" },
        { "{\"instances\": [" + string.Join(", ", Enumerable.Repeat("""{"image": [1,2,3,4,5,6], "extra": [1,2,3,4]}""", 5)) + "]}", 413, "at most 4" },
    };

    [Theory]
    [MemberData(nameof(BadInstances))]
    public async Task ABadInstanceSaysWhich(string body, int status, string expected) =>
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json(body)), status, expected);
}
