using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Text;

/// <summary>
/// StringLookup: Keras's documented examples, Adapt's order, a model trained on looked-up strings, saved with its lookup
/// (metadata "string_lookup") and loaded giving the same indices, and hostile lookups in a file refused naming the file.
/// </summary>
public sealed class StringLookupTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly string[] s_vocabulary = ["a", "b", "c", "d"];
    private static readonly string[] s_data = ["a", "c", "d", "d", "z", "b"];

    [Fact]
    public void KerasExamples()
    {
        Assert.Equal([1f, 3f, 4f, 4f, 0f, 2f], new StringLookup(s_vocabulary).Lookup(s_data, [2, 3]).ToArray());
        // Keras's two-OOV example: FarmHash sends "m" to OOV index 0 and "z" to 1.
        Assert.Equal([2f, 4f, 5f, 0f, 1f, 3f], new StringLookup(s_vocabulary, numOovIndices: 2).Lookup(["a", "c", "d", "m", "z", "b"], [2, 3]).ToArray());
        var adapted = new StringLookup().Adapt(s_data);
        Assert.Equal(["[UNK]", "d", "z", "c", "b", "a"], adapted.GetVocabulary());
        Assert.Equal([5f, 3f, 1f, 1f, 2f, 4f], adapted.Lookup(s_data, [2, 3]).ToArray());
        var oneHot = new StringLookup(s_vocabulary, outputMode: "one_hot").Lookup(["a", "b", "c", "d", "z"]);
        Assert.Equal(new Shape(5, 5), oneHot.Shape);
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f], oneHot.ToArray());
        string[] four = ["a", "c", "d", "d", "d", "z", "b", "z"];
        Assert.Equal([0f, 1f, 0f, 1f, 1f, 1f, 0f, 1f, 0f, 1f], new StringLookup(s_vocabulary, outputMode: "multi_hot").Lookup(four, [2, 4]).ToArray());
        Assert.Equal([0f, 1f, 0f, 1f, 2f, 2f, 0f, 1f, 0f, 1f], new StringLookup(s_vocabulary, outputMode: "count").Lookup(four, [2, 4]).ToArray());
        var inverse = new StringLookup(s_vocabulary, invert: true);
        Assert.Equal(["a", "c", "d", "d", "[UNK]", "b"], inverse.Tokens(Tensor.FromArray(new[] { 1, 3, 4, 4, 0, 2 }, 2, 3)));
        Assert.Throws<InvalidOperationException>(() => inverse.Lookup(s_data));
        var masked = new StringLookup(s_vocabulary, maskToken: "");
        Assert.Equal(["", "[UNK]", "a", "b", "c", "d"], masked.GetVocabulary());
        Assert.Equal([2f, 0f, 1f, 5f], masked.Lookup(["a", "", "z", "d"], [1, 4]).ToArray());
        Assert.Equal(["", "a", "[UNK]", "[UNK]"], masked.Tokens(Tensor.FromArray([0f, 2f, 1f, 40f], 4)));
    }

    [Fact]
    public void BadVocabulariesAndInputsAreRefused()
    {
        Assert.Contains("repeated", Assert.Throws<ArgumentException>(() => new StringLookup(["a", "b", "a"])).Message);
        Assert.Contains("OOV token", Assert.Throws<ArgumentException>(() => new StringLookup(["a", "[UNK]"])).Message);
        Assert.Contains("mask token", Assert.Throws<ArgumentException>(() => new StringLookup(["a", ""], maskToken: "")).Message);
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(() => new StringLookup(["a", "b", "c"], maxTokens: 3)).Message);
        Assert.Throws<ArgumentException>(() => new StringLookup([new string('x', StringLookup.MaxTokenLength + 1)]));
        Assert.Throws<ArgumentException>(() => new StringLookup(["a"], outputMode: "tf_idf"));   // tf_idf with a vocabulary needs its idf weights
        Assert.Contains("num_oov_indices", Assert.Throws<DeepSharpException>(() => new StringLookup(s_vocabulary, numOovIndices: 0).Lookup(["q"])).Message);
        Assert.Throws<InvalidOperationException>(() => new StringLookup().Lookup(["a"]));
        Assert.Throws<ArgumentException>(() => new StringLookup(s_vocabulary).Lookup(["a", "b"], [3, 1]));
        var capped = new StringLookup(maxTokens: 3).Adapt(["x", "y", "y", "z", "z", "z"]);
        Assert.Equal(["[UNK]", "z", "y"], capped.GetVocabulary());
    }

    private static byte[] WithLookup(byte[] modelFile, string json)
    {
        var file = SafetensorsFile.Parse(modelFile, "memory");
        file.Metadata[ModelFileFormat.StringLookupKey] = json;
        file.Metadata.Remove("checksum");
        return file.ToBytes();
    }

    [Fact]
    public void AModelKeepsItsLookupAndRefusesHostileOnes()
    {
        RandomGenerator.SetGlobalSeed(2);
        string[] colours = ["red", "green", "blue", "red", "teal", "green", "blue", "red"];
        var lookup = new StringLookup(maskToken: "").Adapt(colours);
        var model = new Sequential(new Embedding(lookup.VocabularySize, 3, inputShape: [1]), new Flatten(), new Dense(1, Activation.Sigmoid));
        model.Compile(new Adam(0.05f), "binary_crossentropy");
        var x = lookup.Lookup(colours);
        var y = Tensor.FromArray([1f, 0f, 0f, 1f, 0f, 0f, 0f, 1f], 8, 1);
        var history = model.Fit(x, y, epochs: 20, batchSize: 4, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        model.StringLookup = lookup;
        string path = _temp.File("colours.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.NotNull(loaded.StringLookup);
        Assert.Equal(lookup.GetVocabulary(), loaded.StringLookup.GetVocabulary());
        string[] probe = ["red", "", "purple", "teal"];
        Assert.Equal(lookup.Lookup(probe).ToArray(), loaded.StringLookup.Lookup(probe).ToArray());
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(loaded.StringLookup.Lookup(colours)).ToArray());
        Assert.Null(Model.Load(Save(new Sequential(new Dense(1, inputShape: [2])))).StringLookup);

        byte[] bytes = File.ReadAllBytes(path);
        foreach (string hostile in new[]
        {
            """{"vocabulary":["a","b","a"]}""", """{"vocabulary":["a",1]}""", """{"vocabulary":"a"}""", """{}""", """[]""", """{"vocabulary":["a"],"max_tokens":NaN}""",
            """{"vocabulary":["a"],"max_tokens":1e300}""", """{"vocabulary":["a"],"surprise":1}""", """{"vocabulary":["a","[UNK]"]}""",
            """{"vocabulary":["a"],"output_mode":"tf_idf"}""", """{"vocabulary":["a"],"num_oov_indices":-2}""", """{"vocabulary":[["deep"]]}""",
            """{"vocabulary":["a","b","c","d","e","f","g"]}""", // more indices than the Embedding takes
            "{\"vocabulary\":[\"" + new string('x', StringLookup.MaxTokenLength + 1) + "\"]}", "{\"vocabulary\":[" + string.Join(",", Enumerable.Range(0, 3).Select(i => $"\"t{i}\"")) + "],\"max_tokens\":2}",
        })
        {
            string file = _temp.File("hostile.safetensors");
            File.WriteAllBytes(file, WithLookup(bytes, hostile));
            var e = Assert.Throws<DataFormatException>(() => Model.Load(file));
            Assert.Contains(file, e.Message);
            Assert.Contains("string_lookup", e.Message);
        }
    }

    private string Save(Model model)
    {
        string path = _temp.File(Guid.NewGuid().ToString("N") + ".safetensors");
        model.Save(path);
        return path;
    }
}
