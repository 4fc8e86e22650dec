using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Text;

/// <summary>
/// TextVectorizer's pad_to_max_tokens (Keras's TextVectorization): multi_hot, count and tf_idf vectors max_tokens wide
/// whatever the vocabulary's size, worked out by hand; JSON and model files keep it; bad combinations are refused.
/// </summary>
public sealed class TextVectorizerPaddingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly string[] s_texts = ["the cat sat", "the dog", "the the end"];

    [Fact]
    public void VectorsAreMaxTokensWide()
    {
        // Vocabulary "[UNK]", the, cat, dog, end, sat: 6 indices, padded to 10 with zeros.
        var hot = new TextVectorizer(maxTokens: 10, outputMode: "multi_hot", padToMaxTokens: true).Adapt(s_texts);
        Assert.True(hot.PadToMaxTokens);
        Assert.Equal(10, hot.OutputWidth);
        var rows = hot.Vectorize(["the the zebra", "cat dog"]);
        Assert.Equal(new Shape(2, 10), rows.Shape);
        Assert.Equal([1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f], rows.ToArray());

        var counts = new TextVectorizer(maxTokens: 8, outputMode: "count", padToMaxTokens: true).Adapt(s_texts);
        Assert.Equal([1f, 2f, 1f, 0f, 0f, 0f, 0f, 0f], counts.Vectorize(["the the cat zebra"]).ToArray());

        // tf_idf: the weights stop at the vocabulary; the padded indices stay 0.
        var tfIdf = new TextVectorizer(maxTokens: 5, outputMode: "tf_idf", padToMaxTokens: true).SetVocabulary(["a", "b"], [0.2f, 0.6f]);
        var weighted = tfIdf.Vectorize(["b q b a"]).ToArray();
        Assert.Equal(5, weighted.Length);
        float[] expected = [0.4f, 0.2f, 1.2f, 0f, 0f];   // "[UNK]" weighs the mean 0.4, once; a once; b twice
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], weighted[i], 5);

        // A vocabulary that fills max_tokens is as wide either way; without padding the width follows the vocabulary.
        var full = new TextVectorizer(maxTokens: 3, outputMode: "multi_hot", padToMaxTokens: true).Adapt(s_texts);
        Assert.Equal(3, full.Vectorize(["cat"]).Shape[1]);
        Assert.Equal(6, new TextVectorizer(maxTokens: 10, outputMode: "multi_hot").Adapt(s_texts).Vectorize(["cat"]).Shape[1]);
    }

    [Fact]
    public void JsonAndModelFilesKeepIt()
    {
        var vectorizer = new TextVectorizer(maxTokens: 12, outputMode: "count", padToMaxTokens: true).Adapt(s_texts);
        string json = TextVectorizerJson.Write(vectorizer);
        Assert.Contains("\"pad_to_max_tokens\":true", json);
        var back = TextVectorizerJson.Read(json, "probe");
        Assert.True(back.PadToMaxTokens);
        Assert.Equal(vectorizer.Vectorize(s_texts).ToArray(), back.Vectorize(s_texts).ToArray());
        Assert.DoesNotContain("pad_to_max_tokens", TextVectorizerJson.Write(new TextVectorizer(maxTokens: 12, outputMode: "count").Adapt(s_texts)));

        // The model takes the padded width: a file whose model takes the vocabulary's width instead is refused.
        var model = new Sequential(new Dense(1, inputShape: [12])) { TextVectorizer = vectorizer };
        string path = _temp.File("padded.safetensors");
        model.Save(path);
        var loaded = Model.Load(path).TextVectorizer!;
        Assert.True(loaded.PadToMaxTokens);
        Assert.Equal(12, loaded.OutputWidth);
        var narrow = new Sequential(new Dense(1, inputShape: [6])) { TextVectorizer = vectorizer };
        string narrowPath = _temp.File("narrow.safetensors");
        narrow.Save(narrowPath);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(narrowPath));
        Assert.Contains("12 entries", e.Message);
    }

    [Fact]
    public void BadCombinationsAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TextVectorizer(outputMode: "multi_hot", padToMaxTokens: true));
        Assert.Contains("pad_to_max_tokens needs max_tokens", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TextVectorizer(maxTokens: 10, padToMaxTokens: true));
        Assert.Contains("\"int\"", e.Message);
        foreach (string json in new[]
        {
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"count","pad_to_max_tokens":true,"vocabulary":["a"]}""",
            """{"max_tokens":5,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"count","pad_to_max_tokens":"yes","vocabulary":["a"]}""",
            """{"max_tokens":5,"output_sequence_length":null,"standardize":"none","split":"whitespace","pad_to_max_tokens":true,"vocabulary":["a"]}""",
        })
        {
            var error = Assert.Throws<DataFormatException>(() => TextVectorizerJson.Read(json, "probe"));
            Assert.Contains("pad_to_max_tokens", error.Message);
        }
    }
}
