using System.Text.Json.Nodes;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// POST /v1/predict with text: a classifier's file-borne vectorizer turns texts into ids (batched with
/// other requests); a character model continues a text; bad text requests get a 4xx with a reason.
/// </summary>
public class TextPredictTests(TextServers servers, ServerFixture mnist) : IClassFixture<TextServers>, IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TextsAreClassifiedAsModelPredictOnTheirIds()
    {
        var response = await servers.ClassifierClient.PostAsync("/v1/predict", Requests.Json("""{"texts": ["good great lovely", "awful, bad and ugly", "NICE!"]}"""));
        var json = await Requests.Read(response, 200);
        var predictions = json["predictions"]!.AsArray();
        Assert.Equal(["positive", "negative", "positive"], predictions.Select(p => (string)p!["label"]!));
        var expected = TextModels.Classifier.Predict(TextModels.Classifier.TextVectorizer!.Vectorize(["good great lovely", "awful, bad and ugly", "NICE!"])).ToArray();
        var outputs = json["outputs"]!.AsArray().Select(o => Requests.Floats(o!)[0]).ToArray();
        for (int i = 0; i < 3; i++) Assert.True(Math.Abs(expected[i] - outputs[i]) < 1e-5f, $"text {i}: Predict gives {expected[i]}, the server {outputs[i]}");
        Assert.Equal(Math.Max(outputs[0], 1 - outputs[0]), (float)predictions[0]!["probability"]!, 5);
    }

    [Fact]
    public async Task OneTextAndTheModelDescription()
    {
        var json = await Requests.Read(await servers.ClassifierClient.PostAsync("/v1/predict", Requests.Json("""{"text": "poor nasty"}""")), 200);
        Assert.Equal(0, (int)json["predictions"]![0]!["class"]!);
        var info = JsonNode.Parse(await servers.ClassifierClient.GetStringAsync("/v1/model"))!;
        Assert.Equal("text", (string)info["input_kind"]!);
        Assert.Equal("classify", (string)info["text"]!["task"]!);
        Assert.Equal(2, (int)info["classes"]!);
        Assert.Equal(6, (int)info["text"]!["sequence_length"]!);
    }

    [Fact]
    public async Task TokenIdsAsInputsStillWork()
    {
        var ids = TextModels.Classifier.TextVectorizer!.Vectorize(["great"]).ToIntArray().Select(i => (float)i).ToArray();
        var json = await Requests.Read(await servers.ClassifierClient.PostAsync("/v1/predict", Requests.Json([ids])), 200);
        Assert.Equal(1, (int)json["predictions"]![0]!["class"]!);
    }

    [Theory]
    [InlineData("", "abc")]
    [InlineData("a", "bc")]
    [InlineData("ab", "c")]
    public async Task ACharacterModelContinuesText(string text, string continuation)
    {
        var json = await Requests.Read(await servers.GeneratorClient.PostAsync("/v1/predict", Requests.Json($$"""{"text": "{{text}}", "temperature": 0}""")), 200);
        var c = json["continuations"]![0]!;
        Assert.Equal(text, (string)c["text"]!);
        Assert.Equal(continuation, (string)c["continuation"]!);
    }

    [Fact]
    public async Task ContinuationsAreBoundedAndSeeded()
    {
        var json = await Requests.Read(await servers.GeneratorClient.PostAsync("/v1/predict", Requests.Json("""{"texts": ["", "x"], "max_length": 2, "temperature": 0}""")), 200);
        Assert.Equal("ab", (string)json["continuations"]![0]!["continuation"]!);
        Assert.True(((string)json["continuations"]![1]!["continuation"]!).Length <= 2);
        string body = """{"text": "", "temperature": 5, "seed": 42}""";
        var first = await servers.GeneratorClient.PostAsync("/v1/predict", Requests.Json(body));
        var second = await servers.GeneratorClient.PostAsync("/v1/predict", Requests.Json(body));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        var info = JsonNode.Parse(await servers.GeneratorClient.GetStringAsync("/v1/model"))!;
        Assert.Equal("generate", (string)info["text"]!["task"]!);
    }

    public static TheoryData<string, int, string> BadTextRequests => new()
    {
        { """{"text": 5}""", 400, "must be a string" },
        { """{"texts": "abc"}""", 400, "array of strings" },
        { """{"texts": []}""", 400, "no text" },
        { """{"texts": ["a","b","c","d","e","f","g","h","i"]}""", 413, "at most 8" },
        { """{"text": "a", "temperature": -1}""", 400, "temperature" },
        { """{"text": "a", "temperature": 11}""", 400, "temperature" },
        { """{"text": "a", "max_length": 0}""", 400, "max_length" },
        { """{"text": "a", "top_k": 1.5}""", 400, "top_k" },
        { """{"text": "a", "seed": "x"}""", 400, "seed" },
        { """{"text": "a", "colour": 1}""", 400, "unknown key" },
        { """{"text": "abcabca"}""", 400, "8 positions" },
        { """{"text": "a"} {}""", 400, "not valid JSON" },
        { """{"text": "a""", 400, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadTextRequests))]
    public async Task BadTextRequestsAreRefused(string body, int status, string expected)
    {
        var json = await Requests.Read(await servers.GeneratorClient.PostAsync("/v1/predict", Requests.Json(body)), status);
        Assert.Contains(expected, (string)json["error"]!);
        Assert.Equal("ok", (string)JsonNode.Parse(await servers.GeneratorClient.GetStringAsync("/healthz"))!["status"]!);
    }

    [Fact]
    public async Task TextToAModelWithoutAVectorizerIsRefused()
    {
        var json = await Requests.Read(await mnist.Client.PostAsync("/v1/predict", Requests.Json("""{"text": "seven"}""")), 400);
        Assert.Contains("does not take text", (string)json["error"]!);
    }

    [Fact]
    public async Task ATextLongerThanTheModelIsTruncatedForAClassifier()
    {
        string text = string.Join(" ", Enumerable.Repeat("good", 50));
        var json = await Requests.Read(await servers.ClassifierClient.PostAsync("/v1/predict", Requests.Json($$"""{"text": "{{text}}"}""")), 200);
        Assert.Equal(1, (int)json["predictions"]![0]!["class"]!);
    }
}
