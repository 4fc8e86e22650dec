using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>A graph model with two named inputs and two outputs behind the server: named JSON inputs in, named outputs out.</summary>
public sealed partial class MultiTensorTests : IAsyncLifetime
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
        Assert.Equal("""[{"name":"image","shape":[null,2,3],"kind":"tensor"},{"name":"extra","shape":[null,4],"kind":"tensor"}]""", info["inputs"]!.ToJsonString());
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
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", content), 415);
        Assert.Contains("2 inputs and 2 outputs", (string)json["error"]!);
        Assert.Contains("application/octet-stream", (string)json["error"]!);
    }

    private static readonly float[] s_image = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, -1f, 2f, 0f, 1f, 1f, 1f], s_extra = [1f, 2f, 3f, 4f, -4f, -3f, -2f, -1f];

    /// <summary>Raw float32 little-endian: every block of <paramref name="blocks"/> in turn.</summary>
    private static ByteArrayContent Raw(string? shapes, params float[][] blocks)
    {
        var values = blocks.SelectMany(b => b).ToArray();
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (shapes is not null) content.Headers.Add("X-Shape", shapes);
        return content;
    }

    [Fact]
    public async Task RawFloat32BodiesCarryEveryInputInTurnAndAnswerEveryOutputInTurn()
    {
        var expected = _model.Predict([Tensor.FromArray(s_image, 2, 2, 3), Tensor.FromArray(s_extra, 2, 4)]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = Raw("2,2,3;2,4", s_image, s_extra) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var response = await _client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("2,3;2,1", string.Join(",", response.Headers.GetValues("X-Shape")));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var values = Enumerable.Range(0, bytes.Length / 4).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal([.. expected[0].ToArray(), .. expected[1].ToArray()], values);

        // The same raw body answered as JSON by name.
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Raw(null, s_image, s_extra)), 200);
        Assert.Equal(expected[1].ToArray(), json["outputs"]!["score"]!.AsArray().SelectMany(r => Requests.Floats(r!)));
    }

    public static TheoryData<int, string?, float, int, string> BadRawBodies => new()
    {
        { 9, null, 0f, 400, "positive multiple of 40" },
        { 0, null, 0f, 400, "positive multiple of 40" },
        { 10, "2,2,3;2,4", 0f, 400, "X-Shape is '2,2,3;2,4', but the body holds 1 samples" },
        { 10, "1,2,3", 0f, 400, "(1,2,3;1,4)" },
        { 10, null, float.NaN, 400, "input 'extra', sample 0, value 1: NaN" },
        { 50, null, 0f, 413, "holds 5 samples; send at most 4" },
    };

    [Theory]
    [MemberData(nameof(BadRawBodies))]
    public async Task BadRawBodiesAreRefused(int floats, string? shapes, float poison, int status, string expected)
    {
        var values = new float[floats];
        if (float.IsNaN(poison)) values[7] = poison; // sample 0 of 'extra' (after the 6 values of 'image'), value 1
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Raw(shapes, values)), status);
        Assert.Contains(expected, (string)json["error"]!);
    }

    /// <summary>
    /// One request holds the batcher inside the model (a gate) while 47 more queue behind it; opened, the
    /// batcher joins them into batches of 16 samples, and each request still gets its own rows.
    /// </summary>
    [Fact]
    public async Task QueuedRequestsAreBatchedAndEachGetsItsOwnRows()
    {
        var image = Model.Input([2, 3], name: "image");
        var extra = Model.Input([4], name: "extra");
        var gate = new GatedIdentity([4]);
        var gated = gate.Call(extra);
        var model = new Functional([image, extra], [new Dense(3, Activation.Softmax, name: "label").Call(new Concatenate().Call(new Flatten().Call(image), gated)), new Dense(1, name: "score").Call(gated)]);
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0, MaxBatchSize = 16, MaxWait = TimeSpan.FromMilliseconds(20), MaxInputsPerRequest = 4 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var random = new Random(4);
        const int requests = 48;
        var samples = Enumerable.Range(0, requests).Select(_ => (Image: RandomFloats(random, 6), Extra: RandomFloats(random, 4))).ToArray();
        async Task<float[]> Send(int i)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = Raw(null, samples[i].Image, samples[i].Extra) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
            using var response = await client.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            return Enumerable.Range(0, bytes.Length / 4).Select(k => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(k * 4))).ToArray();
        }

        gate.Hold();
        var first = Send(0);
        await gate.WaitUntilHeldAsync();
        var rest = Enumerable.Range(1, requests - 1).Select(Send).ToArray();
        await Waiting.Until(() => server.Metrics.Queued == requests - 1, "47 requests queued behind the held batch");
        gate.Open();
        float[][] results = [await first, .. await Task.WhenAll(rest)];

        for (int i = 0; i < requests; i++)
        {
            var expected = model.Predict([Tensor.FromArray(samples[i].Image, 1, 2, 3), Tensor.FromArray(samples[i].Extra, 1, 4)]);
            float[] want = [.. expected[0].ToArray(), .. expected[1].ToArray()];
            var got = results[i];
            Assert.Equal(want.Length, got.Length);
            for (int k = 0; k < want.Length; k++) Assert.True(Math.Abs(want[k] - got[k]) < 1e-5f, $"request {i}, value {k}: {got[k]} vs Predict {want[k]}");
        }
        Assert.Equal(1 + 3, server.Metrics.Batches); // the held one, then 16 + 16 + 15
    }

    private static float[] RandomFloats(Random random, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
