using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// A model with an image input, a text input and a plain tensor input (its vectorizer read back from its
/// model file) behind the server: multipart forms with one part per input (PNG, text, JSON) and named
/// JSON with texts give what <see cref="Model.Predict(Tensor[], int, CancellationToken)"/> gives; parts
/// of the wrong kind, name, size or count are refused with the reason.
/// </summary>
public sealed class MultipartInputTests : IAsyncLifetime
{
    private Model _model = null!;
    private ModelServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        RandomGenerator.SetGlobalSeed(9);
        var image = Model.Input([4, 4, 1], name: "image");
        var tokens = Model.Input([5], name: "tokens");
        var extra = Model.Input([3], name: "extra");
        var words = new GlobalAveragePooling1D().Call(new Embedding(8, 4).Call(tokens));
        var merged = new Concatenate().Call(new Flatten().Call(image), words, extra);
        var model = new Functional([image, tokens, extra], [new Dense(2, Activation.Softmax, name: "label").Call(merged), new Dense(1, name: "score").Call(extra)], name: "three-inputs");
        model.TextVectorizer = new TextVectorizer(outputSequenceLength: 5).Adapt(["red green blue", "cat dog"]);
        string file = Path.Combine(Directory.CreateTempSubdirectory("deepsharp-serving-multipart-").FullName, "three.safetensors");
        model.Save(file);
        _model = Model.Load(file); // a model with several inputs keeps its vectorizer in its file
        Assert.NotNull(_model.TextVectorizer);
        _server = new ModelServer(new ServedModel(_model), new ServingOptions { Port = 0, MaxInputsPerRequest = 3 });
        await _server.StartAsync();
        _client = new HttpClient { BaseAddress = _server.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static readonly float[] s_pixelsA = [.. Enumerable.Range(0, 16).Select(i => i / 15f)], s_pixelsB = [.. Enumerable.Range(0, 16).Select(i => (i * 7 % 16) / 15f)];

    /// <summary>What the model gives for two samples: PNG pixels (as bytes / 255), texts (as the vectorizer's ids), extras.</summary>
    private Tensor[] Expected(string[] texts, float[] extras)
    {
        var pixels = s_pixelsA.Concat(s_pixelsB).Select(v => MathF.Round(v * 255f) / 255f).ToArray();
        return _model.Predict([Tensor.FromArray(pixels, 2, 4, 4, 1), _model.TextVectorizer!.Vectorize(texts), Tensor.FromArray(extras, 2, 3)]);
    }

    private static ByteArrayContent Part(byte[] bytes, string? type)
    {
        var content = new ByteArrayContent(bytes);
        if (type is not null) content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static MultipartFormDataContent Form(params (string Name, byte[] Bytes, string? Type, string? File)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes, type, file) in parts)
        {
            if (file is null) form.Add(Part(bytes, type), name);
            else form.Add(Part(bytes, type), name, file);
        }
        return form;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static void AssertOutputs(Tensor[] expected, JsonObject json)
    {
        var outputs = json["outputs"]!.AsObject();
        Assert.Equal(["label", "score"], outputs.Select(p => p.Key));
        for (int o = 0; o < 2; o++)
        {
            var got = outputs[o == 0 ? "label" : "score"]!.AsArray().SelectMany(r => Requests.Floats(r!)).ToArray();
            var want = expected[o].ToArray();
            Assert.Equal(want.Length, got.Length);
            for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) < 1e-6f, $"output {o}, value {i}: Predict gives {want[i]}, the server {got[i]}");
        }
    }

    [Fact]
    public async Task AFormWithOnePartPerInputGivesPredictsOutputs()
    {
        // PNG files, a text field without a Content-Type, a text part and one JSON part holding both samples.
        var form = Form(
            ("image", TestPng.Gray(s_pixelsA, 4, 4), "image/png", "a.png"),
            ("tokens", Utf8("red cat"), null, null),
            ("extra", Utf8("[[1, 2, 3], [-1, 0.5, 2]]"), "application/json", null),
            ("image", TestPng.Gray(s_pixelsB, 4, 4), null, "b.png"),
            ("tokens", Utf8("dog blue green unknown"), "text/plain", null));
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", form), 200);
        AssertOutputs(Expected(["red cat", "dog blue green unknown"], [1, 2, 3, -1, 0.5f, 2]), json);
    }

    [Fact]
    public async Task NamedJsonTakesTextsForTheTextInput()
    {
        var pixels = s_pixelsA.Concat(s_pixelsB).Select(v => MathF.Round(v * 255f) / 255f).ToArray();
        string image = string.Join(",", Enumerable.Range(0, 2).Select(n => "[" + string.Join(",", pixels.Skip(n * 16).Take(16).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]"));
        string body = $$$"""{"inputs": {"image": [{{{image}}}], "tokens": ["red cat", "dog blue green unknown"], "extra": [[1, 2, 3], [-1, 0.5, 2]]}}""";
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(body)), 200);
        AssertOutputs(Expected(["red cat", "dog blue green unknown"], [1, 2, 3, -1, 0.5f, 2]), json);
        var info = JsonNode.Parse(await _client.GetStringAsync("/v1/model"))!;
        Assert.Equal(["image", "text", "tensor"], info["inputs"]!.AsArray().Select(i => (string)i!["kind"]!));
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json("""{"inputs": {"image": [[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]], "tokens": ["red", 3], "extra": [[1,2,3]]}}""")), 400, "entry 1: expected a text");
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json("""{"inputs": {"image": [[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]], "tokens": [[1,2,3,4,5]], "extra": ["red"]}}""")), 400, "is not an array");
    }

    [Fact]
    public void AModelFileWithAVectorizerButNoSequenceInputOfItsLengthIsRefused()
    {
        var image = Model.Input([4, 4, 1], name: "image");
        var extra = Model.Input([3], name: "extra");
        var model = new Functional([image, extra], [new Dense(1).Call(new Concatenate().Call(new Flatten().Call(image), extra))]);
        model.TextVectorizer = new TextVectorizer(outputSequenceLength: 5).Adapt(["red green blue"]);
        string file = Path.Combine(Directory.CreateTempSubdirectory("deepsharp-serving-multipart-").FullName, "no-sequence.safetensors");
        model.Save(file);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(file));
        Assert.Contains("none of the model's inputs is a sequence of token ids (positions) of the vectorizer's length 5", e.Message);
        Assert.Contains(file, e.Message);
    }

    public static TheoryData<string, int, string> BadForms => new()
    {
        { "png-to-tensor", 415, "input 'extra' takes values of shape [3], not images" },
        { "text-to-image", 415, "input 'image' takes PNG images or values of shape [4, 4, 1]" },
        { "unknown-name", 400, "no input 'colour'" },
        { "missing", 400, "'extra' missing" },
        { "counts", 400, "input 'tokens' has 2 samples and 'image' 1" },
        { "png-size", 400, "is 5×4 pixels" },
        { "not-png", 400, "not a PNG image" },
        { "bad-json", 400, "part 'extra' (input 'extra') is not valid JSON" },
        { "json-shape", 400, "part 'extra' (input 'extra'): input 0 has 2 values; the model takes inputs of shape [3]" },
        { "bad-utf8", 400, "not valid UTF-8" },
        { "jpeg", 415, "Content-Type 'image/jpeg'" },
        { "too-many", 413, "more than 3" },
        { "no-boundary", 400, "no boundary" },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task BadFormsAreRefusedWithTheReason(string form, int status, string expected)
    {
        var png = TestPng.Gray(s_pixelsA, 4, 4);
        var text = ("tokens", Utf8("red"), "text/plain", (string?)null);
        var extra = ("extra", Utf8("[[1, 2, 3]]"), "application/json", (string?)null);
        var image = ("image", png, "image/png", (string?)"a.png");
        HttpContent content = form switch
        {
            "png-to-tensor" => Form(image, text, ("extra", png, "image/png", "x.png")),
            "text-to-image" => Form(("image", Utf8("a cat"), "text/plain", null), text, extra),
            "unknown-name" => Form(image, text, extra, ("colour", Utf8("[[1]]"), "application/json", null)),
            "missing" => Form(image, text),
            "counts" => Form(image, text, text, extra),
            "png-size" => Form(("image", TestPng.Gray(new float[20], 5, 4), "image/png", "wide.png"), text, extra),
            "not-png" => Form(("image", Utf8("GIF89a..."), "image/png", "fake.png"), text, extra),
            "bad-json" => Form(image, text, ("extra", Utf8("[[1, 2,"), "application/json", null)),
            "json-shape" => Form(image, text, ("extra", Utf8("[[1, 2]]"), "application/json", null)),
            "bad-utf8" => Form(image, ("tokens", [0xC3, 0x28], "text/plain", null), extra),
            "jpeg" => Form(("image", [0xFF, 0xD8, 0xFF], "image/jpeg", "a.jpg"), text, extra),
            "too-many" => Form(image, text, ("extra", Utf8("[[1,2,3],[1,2,3],[1,2,3],[1,2,3]]"), "application/json", null)),
            _ => Part(Utf8("--x\r\n\r\n--x--"), "multipart/form-data"),
        };
        await Requests.Error(await _client.PostAsync("/v1/predict", content), status, expected);
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Form(image, text, extra)), 200); // and it keeps serving
        Assert.Single(json["outputs"]!["label"]!.AsArray());
    }
}
