using System.Text.Json.Nodes;
using DeepSharp.Text;

namespace DeepSharp.Serving.Tests;

/// <summary>A classifier trained on WordPiece subwords, its pieces read back from its model file, serves raw text; a word model continues text.</summary>
public class SubwordTextTests
{
    [Fact]
    public async Task ASubwordClassifierServesTextAsPredictOnItsIds()
    {
        var model = TextModels.SubwordClassifier;
        var tokenizer = Assert.IsType<WordPieceTokenizer>(model.TextVectorizer!.Tokenizer);
        Assert.Contains(tokenizer.Pieces, p => p.StartsWith("##", StringComparison.Ordinal)); // the words were cut into pieces
        await using var server = new ModelServer(new ServedModel(model, labels: ["negative", "positive"], name: "subwords"), new ServingOptions { Port = 0, MaxBatchSize = 8 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        string[] texts = ["good great lovely", "awful, bad and ugly", "NICE!", "goodness"];
        var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json("""{"texts": ["good great lovely", "awful, bad and ugly", "NICE!", "goodness"]}""")), 200);
        Assert.Equal(["positive", "negative", "positive"], json["predictions"]!.AsArray().Take(3).Select(p => (string)p!["label"]!));
        var expected = model.Predict(model.TextVectorizer.Vectorize(texts)).ToArray();
        var outputs = json["outputs"]!.AsArray().Select(o => Requests.Floats(o!)[0]).ToArray();
        for (int i = 0; i < texts.Length; i++) Assert.True(Math.Abs(expected[i] - outputs[i]) < 1e-5f, $"text {i}: Predict gives {expected[i]}, the server {outputs[i]}");
        var info = JsonNode.Parse(await client.GetStringAsync("/v1/model"))!;
        Assert.Equal("text", (string)info["input_kind"]!);
        Assert.Equal("wordpiece", (string)info["text"]!["tokenizer"]!);
        Assert.Equal(tokenizer.VocabularySize + 1, (int)info["text"]!["vocabulary_size"]!);
    }

    [Fact]
    public async Task AWordModelContinuesTextWithWords()
    {
        await using var server = new ModelServer(new ServedModel(TextModels.WordGenerator, name: "cycle"), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json("""{"texts": ["Two", "four five"], "temperature": 0, "max_length": 2}""")), 200);
        var continuations = json["continuations"]!.AsArray();
        Assert.Equal(" three four", (string)continuations[0]!["continuation"]!); // text + continuation reads on
        Assert.Equal(" one two", (string)continuations[1]!["continuation"]!);
        var info = JsonNode.Parse(await client.GetStringAsync("/v1/model"))!;
        Assert.Equal("generate", (string)info["text"]!["task"]!);
        json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json("""{"text": ""}""")), 400);
        Assert.Contains("give a prompt", (string)json["error"]!);
    }
}
