using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// A text classifier over a bag-of-words vectorizer ("multi_hot", "count", "tf_idf": one vector per text, Keras's
/// TextVectorization output modes): the server feeds the vectorizer's vectors, not token ids, and says the mode.
/// </summary>
public class BagOfWordsTextTests
{
    private static readonly string[] s_texts = ["good great", "lovely nice good", "great", "awful bad", "poor ugly nasty", "bad bad"];

    private static Model Classifier(string outputMode)
    {
        var vectorizer = new TextVectorizer(outputMode: outputMode).Adapt(s_texts);
        var vectors = vectorizer.Vectorize(s_texts);
        RandomGenerator.SetGlobalSeed(31);
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [vectors.Shape[1]]), new Dense(1, Activation.Sigmoid));
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new BinaryCrossentropy());
        model.Fit(vectors, Tensor.FromArray([1f, 1, 1, 0, 0, 0], 6, 1), epochs: 40, batchSize: 6, verbose: 0);
        return model;
    }

    [Theory]
    [InlineData("multi_hot")]
    [InlineData("count")]
    [InlineData("tf_idf")]
    public async Task TextsAreServedAsTheVectorizersVectors(string outputMode)
    {
        var model = Classifier(outputMode);
        await using var server = new ModelServer(new ServedModel(model, labels: ["negative", "positive"]), new ServingOptions { Port = 0 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };

        string[] texts = ["good good great", "nasty, bad!", "unknown words"];
        var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(new JsonObject { ["texts"] = new JsonArray([.. texts.Select(t => JsonValue.Create(t))]) }.ToJsonString())), 200);
        var expected = model.Predict(model.TextVectorizer!.Vectorize(texts)).ToArray();
        var outputs = json["outputs"]!.AsArray().Select(o => Requests.Floats(o!)[0]).ToArray();
        for (int i = 0; i < texts.Length; i++) Assert.True(Math.Abs(expected[i] - outputs[i]) < 1e-5f, $"text {i}: Predict gives {expected[i]}, the server {outputs[i]}");

        var info = JsonNode.Parse(await client.GetStringAsync("/v1/model"))!;
        Assert.Equal("text", (string)info["input_kind"]!);
        Assert.Equal("classify", (string)info["text"]!["task"]!);
        Assert.Equal(outputMode, (string)info["text"]!["output_mode"]!);
    }

    [Fact]
    public void AVectorizerOfAnotherWidthIsRefusedByName()
    {
        var model = Classifier("multi_hot");
        var other = new TextVectorizer(outputMode: "multi_hot").Adapt(["just three words"]);
        model.TextVectorizer = other;
        var e = Assert.Throws<ArgumentException>(() => new ServedModel(model));
        Assert.Contains("multi_hot", e.Message);
        Assert.Contains($"makes vectors of {other.Vectorize(["x"]).Shape[1]} values", e.Message);
    }
}
