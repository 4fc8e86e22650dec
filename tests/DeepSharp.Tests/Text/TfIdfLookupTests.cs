using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Text;

/// <summary>
/// output_mode "tf_idf" of StringLookup and IntegerLookup: Keras's documented examples, adapt's inverse document
/// frequencies by hand, the OOV indices' weights, configs and model files that keep the weights, ONNX, hostile weights.
/// </summary>
public sealed class TfIdfLookupTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly float[] s_idf = [0.25f, 0.75f, 0.6f, 0.4f];

    private static void Near(float[] expected, Tensor actual)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], 5);
    }

    [Fact]
    public void KerasDocumentedExamples()
    {
        // keras.layers.StringLookup docstring, "TF-IDF output": the OOV index weighs the mean of the given weights (0.5).
        var strings = new StringLookup(["a", "b", "c", "d"], outputMode: "tf_idf", idfWeights: s_idf);
        Near([0f, 0.25f, 0f, 0.6f, 0.8f, 1.0f, 0f, 0.75f, 0f, 0.4f], strings.Lookup(["a", "c", "d", "d", "d", "z", "b", "z"], [2, 4]));
        // With the special tokens leading the vocabulary, the OOV weight is the one given.
        var specials = new StringLookup(["[UNK]", "a", "b", "c", "d"], outputMode: "tf_idf", idfWeights: [0.9f, .. s_idf]);
        Near([0f, 0.25f, 0f, 0.6f, 0.8f, 1.8f, 0f, 0.75f, 0f, 0.4f], specials.Lookup(["a", "c", "d", "d", "d", "z", "b", "z"], [2, 4]));
        Assert.Equal([0.9f, .. s_idf], specials.IdfWeights);

        // keras.layers.IntegerLookup docstring.
        var integers = new IntegerLookup([12, 36, 1138, 42], outputMode: "tf_idf", idfWeights: s_idf);
        Near([0f, 0.25f, 0f, 0.6f, 0.8f, 1.0f, 0f, 0.75f, 0f, 0.4f], integers.Call(Tensor.FromArray(new[] { 12, 1138, 42, 42, 42, 7, 36, 7 }, 2, 4)));
        Assert.Equal(new Shape(5), integers.ComputeOutputShape(new Shape(4)));
    }

    [Fact]
    public void AdaptLearnsKerasInverseDocumentFrequencies()
    {
        // Three documents: "a" is in two, "b" and "c" in one each; idf = log(1 + 3 / (1 + documents holding it)).
        var lookup = new StringLookup(outputMode: "tf_idf").Adapt(new[] { new[] { "a", "b" }, new[] { "a", "a" }, new[] { "c" } });
        Assert.Equal(["[UNK]", "a", "c", "b"], lookup.GetVocabulary());      // by frequency, ties by falling order
        double a = Math.Log(1 + 3.0 / 3), bc = Math.Log(1 + 3.0 / 2), oov = (a + 2 * bc) / 3;
        var weights = lookup.IdfWeights!;
        Assert.Equal(oov, weights[0], 5);
        Assert.Equal(a, weights[1], 5);
        Assert.Equal(bc, weights[2], 5);
        Assert.Equal(bc, weights[3], 5);
        var row = lookup.Lookup(["a", "a", "b", "zz"], [1, 4]).ToArray();
        Assert.Equal((float)oov, row[0], 5);
        Assert.Equal((float)(2 * a), row[1], 5);
        Assert.Equal(0f, row[2]);
        Assert.Equal((float)bc, row[3], 5);

        // A plain list: every value one document. pad_to_max_tokens pads with weight 0.
        var plain = new StringLookup(maxTokens: 6, outputMode: "tf_idf", padToMaxTokens: true).Adapt(["x", "y", "x", "x"]);
        Assert.Equal(Math.Log(1 + 4.0 / 4), plain.IdfWeights![1], 5);
        Assert.Equal(Math.Log(1 + 4.0 / 2), plain.IdfWeights![2], 5);
        Assert.Equal(new Shape(1, 6), plain.Lookup(["x"], [1, 1]).Shape);

        // IntegerLookup: each sample (row) is a document; (batch,) data makes each value one.
        var integers = new IntegerLookup(outputMode: "tf_idf");
        integers.Adapt(Tensor.FromArray(new[] { 5, 5, 6, 7, 5, 8 }, 3, 2));
        Assert.Equal([-1L, 5, 8, 7, 6], integers.GetVocabulary());
        Assert.Equal(Math.Log(1 + 3.0 / 3), integers.IdfWeights![1], 5);         // 5 is in two of three rows
        Assert.Equal(Math.Log(1 + 3.0 / 2), integers.IdfWeights![2], 5);
        var single = new IntegerLookup(outputMode: "tf_idf");
        single.Adapt(Tensor.FromArray(new[] { 5, 5, 6 }, 3));
        Assert.Equal(Math.Log(1 + 3.0 / 3), single.IdfWeights![1], 5);
    }

    [Fact]
    public void ConfigsAndModelFilesKeepTheWeights()
    {
        var layer = new IntegerLookup([12, 36, 1138, 42], numOovIndices: 2, outputMode: "tf_idf", idfWeights: s_idf, inputShape: [4]);
        var config = layer.GetConfig();
        Assert.Equal(6, config["idf_weights"]!.AsArray().Count);
        var back = Assert.IsType<IntegerLookup>(LayerRegistry.Create("IntegerLookup", config));
        Assert.Equal(layer.IdfWeights, back.IdfWeights);
        Assert.Equal(config.ToJsonString(), back.GetConfig().ToJsonString());
        // Keras's own config: the vocabulary without special tokens, one weight per token.
        var keras = JsonNode.Parse("""{"name":"il","output_mode":"tf_idf","vocabulary":[12,36,1138,42],"idf_weights":[0.25,0.75,0.6,0.4]}""")!.AsObject();
        Near([0.5f, 0.25f, 0f, 0f, 0.8f], Assert.IsType<IntegerLookup>(LayerRegistry.Create("IntegerLookup", keras)).Call(Tensor.FromArray(new[] { 12, 42, 42, 9 }, 1, 4)));

        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(layer, new Dense(2));
        var x = Tensor.FromArray(new[] { 12, 1138, 42, 42, 42, 7, 36, 7 }, 2, 4);
        string path = _temp.File("tfidf.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x.ToFloat()], "IntegerLookup tf_idf", tolerance: 1e-5);   // the exported input is float32
        var padded = new IntegerLookup([12, 36], maxTokens: 5, outputMode: "tf_idf", padToMaxTokens: true, idfWeights: [0.3f, 0.7f], inputShape: [4]);
        OnnxRunner.AssertMatches(new Sequential(padded), [x.ToFloat()], "IntegerLookup tf_idf padded", tolerance: 1e-5);

        var strings = new StringLookup(outputMode: "tf_idf").Adapt(new[] { new[] { "a", "b" }, new[] { "a" } });
        var textModel = new Sequential(new Dense(1, inputShape: [strings.VocabularySize])) { StringLookup = strings };
        string textPath = _temp.File("strings.safetensors");
        textModel.Save(textPath);
        var reloaded = Model.Load(textPath).StringLookup!;
        Assert.Equal(strings.IdfWeights, reloaded.IdfWeights);
        Assert.Equal(strings.Lookup(["a", "q", "b"], [1, 3]).ToArray(), reloaded.Lookup(["a", "q", "b"], [1, 3]).ToArray());
    }

    [Fact]
    public void BadWeightsAreRefusedWithTheirReason()
    {
        Assert.Contains("idf_weights", Assert.Throws<ArgumentException>(() => new StringLookup(["a", "b"], outputMode: "tf_idf", idfWeights: [1f])).Message);
        Assert.Contains("≥ 0", Assert.Throws<ArgumentException>(() => new StringLookup(["a"], outputMode: "tf_idf", idfWeights: [-1f])).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new IntegerLookup([1], outputMode: "tf_idf", idfWeights: [float.NaN])).Message);
        Assert.Throws<ArgumentException>(() => new IntegerLookup([1], outputMode: "count", idfWeights: [1f]));
        Assert.Throws<ArgumentException>(() => new StringLookup(["a"], idfWeights: [1f]));
        foreach (string json in new[]
        {
            """{"name":"l","vocabulary":[1,2],"output_mode":"tf_idf","idf_weights":[1.0]}""",
            """{"name":"l","vocabulary":[1],"output_mode":"tf_idf","idf_weights":[-0.5]}""",
            """{"name":"l","vocabulary":[1],"output_mode":"tf_idf","idf_weights":[1e300]}""",
            """{"name":"l","vocabulary":[1],"output_mode":"tf_idf","idf_weights":["1"]}""",
            """{"name":"l","vocabulary":[1],"output_mode":"tf_idf","idf_weights":7}""",
            """{"name":"l","vocabulary":[1],"output_mode":"count","idf_weights":[1.0]}""",
        })
        {
            var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("IntegerLookup", JsonNode.Parse(json)!.AsObject()));
            Assert.Contains("idf_weights", e.Message);
        }
        foreach (string json in new[]
        {
            """{"vocabulary":["a","b"],"output_mode":"tf_idf","idf_weights":[1.0]}""",
            """{"vocabulary":["a"],"output_mode":"tf_idf","idf_weights":[-1]}""",
            """{"vocabulary":["a"],"output_mode":"tf_idf","idf_weights":[1e39]}""",
            """{"vocabulary":["a"],"output_mode":"tf_idf","idf_weights":[null]}""",
            """{"vocabulary":["a"],"output_mode":"int","idf_weights":[1.0]}""",
        })
        {
            var e = Assert.Throws<DataFormatException>(() => StringLookupJson.Read(json, "probe"));
            Assert.Contains("idf_weights", e.Message);
        }
    }

    [Fact]
    public void TextVectorizerGivesKerasVectorModes()
    {
        string[] texts = ["the cat sat", "the dog", "the the end"];
        var tfIdf = new TextVectorizer(outputMode: "tf_idf").Adapt(texts);
        Assert.Equal(["", "[UNK]", "the", "cat", "dog", "end", "sat"], tfIdf.Vocabulary);
        double the = Math.Log(1 + 3.0 / 4), once = Math.Log(1 + 3.0 / 2), unknown = (the + 4 * once) / 5;
        Assert.Equal(unknown, tfIdf.IdfWeights![0], 5);
        var row = tfIdf.Vectorize(["The the cat zebra"]);
        Assert.Equal(new Shape(1, 6), row.Shape);
        Near([(float)unknown, (float)(2 * the), (float)once, 0f, 0f, 0f], row);

        var counts = new TextVectorizer(outputMode: "count").Adapt(texts);
        Assert.Equal([1f, 2f, 1f, 0f, 0f, 0f], counts.Vectorize(["the the cat zebra"]).ToArray());
        var hot = new TextVectorizer(maxTokens: 3, outputMode: "multi_hot").Adapt(texts);   // [UNK] and two tokens
        Assert.Equal(["", "[UNK]", "the", "cat"], hot.Vocabulary);
        Assert.Equal([1f, 1f, 0f, 1f, 0f, 1f], hot.Vectorize(["the the zebra", "cat dog"]).ToArray());

        var given = new TextVectorizer(outputMode: "tf_idf").SetVocabulary(["a", "b"], [0.2f, 0.6f]);
        Near([0.4f, 0.2f, 1.2f], given.Vectorize(["b q b a"]));
        Assert.Equal(0.4f, given.IdfWeights![0], 5);
        Assert.Equal([0.9f, 0.2f, 0.6f], new TextVectorizer(outputMode: "tf_idf").SetVocabulary(["[UNK]", "a", "b"], [0.9f, 0.2f, 0.6f]).IdfWeights);

        var model = new Sequential(new Dense(1, inputShape: [6])) { TextVectorizer = tfIdf };
        string path = _temp.File("vectorizer.safetensors");
        model.Save(path);
        var loaded = Model.Load(path).TextVectorizer!;
        Assert.Equal("tf_idf", loaded.OutputMode);
        Assert.Equal(tfIdf.IdfWeights, loaded.IdfWeights);
        Assert.Equal(tfIdf.Vectorize(texts).ToArray(), loaded.Vectorize(texts).ToArray());

        Assert.Throws<ArgumentException>(() => new TextVectorizer(outputMode: "tf_idf", outputSequenceLength: 4));
        Assert.Throws<ArgumentException>(() => new TextVectorizer(outputMode: "one_hot"));
        Assert.Throws<ArgumentException>(() => new TextVectorizer(outputMode: "tf_idf").SetVocabulary(["a"]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["a"], [1f]));
        foreach (string json in new[]
        {
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"tf_idf","vocabulary":["a"],"idf_weights":[1.0]}""",
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"tf_idf","vocabulary":["a"],"idf_weights":[1.0,-2]}""",
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"tf_idf","vocabulary":["a"],"idf_weights":[1.0,1e39]}""",
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"tf_idf","vocabulary":["a"],"idf_weights":"x"}""",
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"count","vocabulary":["a"],"idf_weights":[1.0,1.0]}""",
            """{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","output_mode":"tf_idf","vocabulary":["a"]}""",
        })
        {
            var e = Assert.Throws<DataFormatException>(() => TextVectorizerJson.Read(json, "probe"));
            Assert.Contains("idf_weights", e.Message);
        }
    }
}
