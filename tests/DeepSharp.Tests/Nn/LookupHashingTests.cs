using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Hashes;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// IntegerLookup and Hashing: Keras's and TensorFlow's documented examples (the bins printed in their docs, the SipHash
/// paper's test vector), Adapt's order, configs with Keras's keys, a model trained, saved, loaded and exported (IntegerLookup
/// in ONNX Runtime; Hashing refused naming the layer), and hostile vocabularies refused.
/// </summary>
public sealed class LookupHashingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly long[] s_kerasVocabulary = [12, 36, 1138, 42];
    private static Tensor KerasData() => Tensor.FromArray(new[] { 12, 1138, 42, 42, 1000, 36 }, 2, 3);

    /// <summary>Models holding IntegerLookup (read by OnnxExportTests.EveryRegisteredLayerTypeExports; Hashing is listed there as refused).</summary>
    public static IEnumerable<Model> Samples() =>
    [
        new Sequential(new IntegerLookup(s_kerasVocabulary, maskToken: 0, inputShape: [3]), new Embedding(6, 2)),
        new Sequential(new IntegerLookup(s_kerasVocabulary, numOovIndices: 2, outputMode: "count", inputShape: [3]), new Dense(2)),
    ];

    private static string[] Letters(params string[] s) => s;

    [Fact]
    public void HashingGivesTheBinsKerasAndTensorFlowDocumentationPrint()
    {
        string[] letters = Letters("A", "B", "C", "D", "E");
        Assert.Equal([1f, 0f, 1f, 1f, 2f], new Hashing(3).HashStrings(letters).ToArray());
        Assert.Equal([1f, 1f, 0f, 2f, 2f], new Hashing(3, maskValue: "").HashStrings(Letters("A", "B", "", "C", "D")).ToArray());
        Assert.Equal([1f, 2f, 1f, 0f, 2f], new Hashing(3, salt: (133, 137)).HashStrings(letters).ToArray());
        Assert.Equal([0f, 0f, 2f, 1f, 0f], new Hashing(3, salt: (133, 133)).HashStrings(letters).ToArray());
        // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) and to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]).
        Assert.Equal([0f, 2f, 2f], new Hashing(3).HashStrings(Letters("Hello", "TensorFlow", "2.x")).ToArray());
        Assert.Equal([2f, 0f], new Hashing(3, salt: (1, 2)).HashStrings(Letters("Hello", "TF")).ToArray());
        Assert.Equal(new Shape(5, 1), new Hashing(3).HashStrings(letters).Shape);
        Assert.Equal(new Shape(1, 5), new Hashing(3).HashStrings(letters, [1, 5]).Shape);
    }

    [Fact]
    public void SipHashMatchesThePapersTestVector()
    {
        // SipHash-2-4, key 00 01 … 0f, message 00 01 … 0e: a129ca6149be45e5 (Aumasson and Bernstein, appendix A).
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var message = Enumerable.Range(0, 15).Select(i => (byte)i).ToArray();
        Assert.Equal(0xa129ca6149be45e5UL, SipHash24.Hash(BitConverter.ToUInt64(key, 0), BitConverter.ToUInt64(key, 8), message));
    }

    [Fact]
    public void FarmHashSpreadsEveryLengthPathEvenly()
    {
        // The long paths (17–32, 33–64, > 64 bytes) have no published bins to compare with: check that each spreads
        // distinct strings evenly over 8 bins (a broken mix piles them up) and that one changed byte anywhere changes the hash.
        foreach (int length in new[] { 0, 1, 3, 4, 7, 8, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 300 })
        {
            var counts = new int[8];
            var bytes = new byte[length];
            var random = new Random(length);
            var seen = new HashSet<ulong>();
            for (int n = 0; n < 4000; n++)
            {
                random.NextBytes(bytes);
                ulong h = FarmHashFingerprint.Hash64(bytes);
                counts[h % 8]++;
                seen.Add(h);
                if (length > 0 && n < 50)
                {
                    int at = random.Next(length);
                    bytes[at] ^= 1;
                    Assert.NotEqual(h, FarmHashFingerprint.Hash64(bytes));
                }
            }
            if (length < 3) continue; // 65,536 distinct strings at most: repeats among 4000
            Assert.True(seen.Count > 3990, $"length {length}: {seen.Count} distinct hashes of 4000 strings");
            Assert.All(counts, c => Assert.InRange(c, 400, 600));
        }
    }

    [Fact]
    public void HashingHashesIntegersAsTheirDecimalText()
    {
        var layer = new Hashing(7, maskValue: 0L);
        var ints = Tensor.FromArray(new[] { 0, 5, -12, 1138, 42 }, 5, 1);
        var expected = new[] { 0, 5, -12, 1138, 42 }.Select(v => (float)layer.Bin(v.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(expected, layer.Call(ints).ToArray());
        Assert.Equal(0f, expected[0]);
        Assert.All(expected.Skip(1), b => Assert.InRange(b, 1f, 6f));
        Assert.Equal(expected, layer.Call(Tensor.FromArray([0f, 5f, -12f, 1138f, 42f], 5, 1)).ToArray());
        var multi = new Hashing(7, outputMode: "multi_hot").Call(Tensor.FromArray(new[] { 5, 5, 9 }, 1, 3));
        Assert.Equal(new Shape(1, 7), multi.Shape);
        Assert.InRange(multi.ToArray().Sum(), 1f, 2f);
        Assert.Contains("'h'", Assert.Throws<DeepSharpException>(() => new Hashing(3, name: "h").Call(Tensor.FromArray([0.5f], 1, 1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Hashing(0));
        Assert.Throws<ArgumentException>(() => new Hashing(3, outputMode: "tf_idf"));
    }

    [Fact]
    public void IntegerLookupKerasExamples()
    {
        var data = KerasData();
        Assert.Equal([1f, 3f, 4f, 4f, 0f, 2f], new IntegerLookup(s_kerasVocabulary).Call(data).ToArray());
        Assert.Equal([2f, 4f, 5f, 5f, 0f, 3f], new IntegerLookup(s_kerasVocabulary, numOovIndices: 2).Call(data).ToArray());
        var adapted = new IntegerLookup();
        adapted.Adapt(data);
        Assert.Equal([-1L, 42, 1138, 1000, 36, 12], adapted.GetVocabulary());
        Assert.Equal([5f, 2f, 1f, 1f, 3f, 4f], adapted.Call(data).ToArray());
        var oneHot = new IntegerLookup(s_kerasVocabulary, outputMode: "one_hot").Call(Tensor.FromArray(new[] { 12, 36, 1138, 42, 7 }, 5, 1));
        Assert.Equal(new Shape(5, 5), oneHot.Shape);
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 0f, 0f, 0f, 0f], oneHot.ToArray());
        var four = Tensor.FromArray(new[] { 12, 1138, 42, 42, 42, 7, 36, 7 }, 2, 4);
        Assert.Equal([0f, 1f, 0f, 1f, 1f, 1f, 0f, 1f, 0f, 1f], new IntegerLookup(s_kerasVocabulary, outputMode: "multi_hot").Call(four).ToArray());
        Assert.Equal([0f, 1f, 0f, 1f, 2f, 2f, 0f, 1f, 0f, 1f], new IntegerLookup(s_kerasVocabulary, outputMode: "count").Call(four).ToArray());
        var inverse = new IntegerLookup(s_kerasVocabulary, invert: true).Call(Tensor.FromArray(new[] { 1, 3, 4, 4, 0, 2 }, 2, 3));
        Assert.Equal([12f, 1138f, 42f, 42f, -1f, 36f], inverse.ToArray());
        // A mask: index 0 in "int" mode; dropped in the others, where the OOV index comes first.
        var masked = new IntegerLookup(s_kerasVocabulary, maskToken: 0);
        Assert.Equal([0L, -1, 12, 36, 1138, 42], masked.GetVocabulary());
        Assert.Equal([2f, 0f, 1f, 5f], masked.Call(Tensor.FromArray(new[] { 12, 0, 7, 42 }, 1, 4)).ToArray());
        Assert.Equal([1f, 1f, 0f, 0f, 1f], new IntegerLookup(s_kerasVocabulary, maskToken: 0, outputMode: "multi_hot").Call(Tensor.FromArray(new[] { 12, 0, 7, 42 }, 1, 4)).ToArray());
        Assert.Equal([0f, 12f, -1f, -1f], new IntegerLookup(s_kerasVocabulary, maskToken: 0, invert: true).Call(Tensor.FromArray([0f, 2f, 1f, 99f], 1, 4)).ToArray());
        // Several OOV indices: value mod count, floored (−3 mod 2 = 1).
        Assert.Equal([1f, 0f, 2f], new IntegerLookup(s_kerasVocabulary, numOovIndices: 2).Call(Tensor.FromArray([-3f, 8f, 12f], 1, 3)).ToArray());
        Assert.Equal(5, new IntegerLookup(s_kerasVocabulary, maxTokens: 8, outputMode: "count").VocabularySize);
        Assert.Equal(new Shape(2, 8), new IntegerLookup(s_kerasVocabulary, maxTokens: 8, outputMode: "count", padToMaxTokens: true).Call(four).Shape);
    }

    [Fact]
    public void AdaptKeepsTheMostFrequentWithinMaxTokens()
    {
        var layer = new IntegerLookup(maxTokens: 4, maskToken: 0);
        layer.Adapt(Tensor.FromArray(new[] { 5, 5, 5, 9, 9, 0, 0, 0, 0, -1, 3, 7 }, 12));
        Assert.Equal([0L, -1, 5, 9], layer.GetVocabulary()); // mask and OOV not counted; 7 and 3 (one each) do not fit
        Assert.Equal([2L, 3L], layer.GetVocabulary(includeSpecialTokens: false).Select(t => (long)Array.IndexOf(layer.GetVocabulary(), t)).ToArray());
        var unset = new IntegerLookup(name: "empty");
        Assert.Contains("'empty'", Assert.Throws<DeepSharpException>(() => unset.Call(KerasData())).Message);
        Assert.Contains("whole numbers", Assert.Throws<DeepSharpException>(() => new IntegerLookup([1]).Call(Tensor.FromArray([1.5f], 1, 1))).Message);
        Assert.Contains("num_oov_indices", Assert.Throws<DeepSharpException>(() => new IntegerLookup([1], numOovIndices: 0).Call(Tensor.FromArray([2f], 1, 1))).Message);
    }

    [Fact]
    public void HostileVocabulariesAndConfigsAreRefused()
    {
        Assert.Contains("repeated", Assert.Throws<ArgumentException>(() => new IntegerLookup([1, 2, 1])).Message);
        Assert.Contains("mask token", Assert.Throws<ArgumentException>(() => new IntegerLookup([1, 0], maskToken: 0)).Message);
        Assert.Contains("OOV token", Assert.Throws<ArgumentException>(() => new IntegerLookup([1, -1, 3])).Message);
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(() => new IntegerLookup([1, 2, 3], maxTokens: 3)).Message);
        Assert.Throws<ArgumentException>(() => new IntegerLookup([1], outputMode: "tf_idf"));
        Assert.Throws<ArgumentException>(() => new IntegerLookup([1], outputMode: "count", invert: true));
        Assert.Throws<ArgumentException>(() => new IntegerLookup([1L << 30], invert: true));
        Assert.Throws<ArgumentException>(() => new IntegerLookup([1], maskToken: -1));
        foreach (var (type, json) in new[]
        {
            ("IntegerLookup", """{"name":"l","vocabulary":[1,2,2]}"""), ("IntegerLookup", """{"name":"l","vocabulary":[1.5]}"""),
            ("IntegerLookup", """{"name":"l","vocabulary":["a"]}"""), ("IntegerLookup", """{"name":"l","vocabulary":7}"""),
            ("IntegerLookup", """{"name":"l","vocabulary":[1],"output_mode":"tf_idf"}"""), ("IntegerLookup", """{"name":"l","vocabulary":[1],"sparse":true}"""),
            ("IntegerLookup", """{"name":"l","num_oov_indices":-1}"""), ("IntegerLookup", """{"name":"l","max_tokens":100000000}"""),
            ("IntegerLookup", """{"name":"l","vocabulary":[1],"idf_weights":[1.0]}"""), ("IntegerLookup", """{"name":"l","mask_token":"x"}"""),
            ("Hashing", """{"name":"h"}"""), ("Hashing", """{"name":"h","num_bins":0}"""), ("Hashing", """{"name":"h","num_bins":3,"salt":[1]}"""),
            ("Hashing", """{"name":"h","num_bins":3,"salt":"x"}"""), ("Hashing", """{"name":"h","num_bins":3,"output_mode":"tf_idf"}"""),
            ("Hashing", """{"name":"h","num_bins":3,"mask_value":[1]}"""), ("Hashing", """{"name":"h","num_bins":3,"sparse":true}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void KerasConfigsRoundTrip()
    {
        var keras = JsonNode.Parse("""
            {"name":"integer_lookup","trainable":true,"dtype":"int64","invert":false,"max_tokens":null,"num_oov_indices":1,"oov_token":-1,
             "mask_token":null,"output_mode":"int","sparse":false,"pad_to_max_tokens":false,"vocabulary_dtype":"int64","idf_weights":null,
             "vocabulary":[12,36,1138,42],"vocabulary_size":5}
            """)!.AsObject();
        var lookup = Assert.IsType<IntegerLookup>(LayerRegistry.Create("IntegerLookup", keras));
        Assert.Equal([1f, 3f, 4f, 4f, 0f, 2f], lookup.Call(KerasData()).ToArray());
        var hashing = Assert.IsType<Hashing>(LayerRegistry.Create("Hashing", JsonNode.Parse("""{"name":"hashing","num_bins":3,"mask_value":null,"salt":133,"output_mode":"int","sparse":false}""")!.AsObject()));
        Assert.Equal<(long, long)?>((133L, 133L), hashing.Salt);
        Assert.Equal("[133,133]", hashing.GetConfig()["salt"]!.ToJsonString());
        var stringMask = Assert.IsType<Hashing>(LayerRegistry.Create("Hashing", JsonNode.Parse("""{"name":"h2","num_bins":3,"mask_value":""}""")!.AsObject()));
        Assert.Equal("", stringMask.MaskValue);
        Assert.Equal(7L, new Hashing(3, maskValue: 7L).GetConfig()["mask_value"]!.GetValue<long>());
        foreach (Layer layer in new Layer[] { new IntegerLookup(s_kerasVocabulary, maskToken: 0, numOovIndices: 3), new IntegerLookup(maxTokens: 9, outputMode: "multi_hot", padToMaxTokens: true),
            new IntegerLookup([4, 5], invert: true), new Hashing(5, 0L, (1, 2), "count"), stringMask })
            Assert.Equal(layer.GetConfig().ToJsonString(), LayerRegistry.Create(layer.TypeName, layer.GetConfig()).GetConfig().ToJsonString());
    }

    [Fact]
    public void LookupModelsTrainSaveLoadAndExport()
    {
        RandomGenerator.SetGlobalSeed(3);
        var ids = Enumerable.Range(0, 64).Select(i => (float)(i * 7 % 13 * 100)).ToArray();
        var x = Tensor.FromArray(ids, 32, 2);
        var y = Tensor.FromArray([.. Enumerable.Range(0, 32).Select(i => ids[2 * i] >= 600f ? 1f : 0f)], 32, 1);
        var lookup = new IntegerLookup(maxTokens: 12, numOovIndices: 2, inputShape: [2]);
        lookup.Adapt(x);
        var model = new Sequential(lookup, new Embedding(12, 4), new Flatten(), new Dense(1, Activation.Sigmoid));
        model.Compile(new Adam(0.05f), "binary_crossentropy");
        var history = model.Fit(x, y, epochs: 15, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.7, $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Contains("integer_lookup", model.Summary(_ => { }));

        string path = _temp.File("lookup.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(lookup.GetVocabulary(), Assert.IsType<IntegerLookup>(loaded.Layers[0]).GetVocabulary());
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "IntegerLookup + Embedding", tolerance: 1e-5);
        var unknown = Tensor.FromArray([0f, 5f, 1200f, -3f, 100f, 77f], 3, 2);
        OnnxRunner.AssertMatches(model, [unknown], "IntegerLookup OOV buckets", tolerance: 1e-5);
        var probe = Tensor.FromArray([12f, 0f, 7f, 36f, 1138f, 42f], 2, 3);
        foreach (var sample in Samples()) OnnxRunner.AssertMatches(sample, [probe], $"sample {sample.Layers[0].GetConfig().ToJsonString()}", tolerance: 1e-5);
        foreach (var layer in new[] { new IntegerLookup(s_kerasVocabulary, maskToken: 0, outputMode: "one_hot", inputShape: [3]), new IntegerLookup(s_kerasVocabulary, maskToken: 0, invert: true, inputShape: [3]),
            new IntegerLookup(s_kerasVocabulary, maskToken: 0, outputMode: "multi_hot", inputShape: [3]) })
            OnnxRunner.AssertMatches(new Sequential(layer, new Flatten()), [probe], $"{layer.OutputMode} {layer.Invert}", tolerance: 1e-5);

        var hashed = new Sequential(new Hashing(8, name: "bins", inputShape: [2]), new Embedding(8, 2), new Flatten(), new Dense(1));
        var saved = _temp.File("hashed.safetensors");
        hashed.Save(saved);
        Assert.Equal(hashed.Predict(x).ToArray(), Model.Load(saved).Predict(x).ToArray());
        var refused = Assert.Throws<DeepSharpException>(() => hashed.ExportOnnx(_temp.File("hashed.onnx")));
        Assert.Contains("'bins'", refused.Message);
        Assert.Contains("Hashing", refused.Message);
    }

    [Fact]
    public void HostileVocabularyInAModelFileIsRefused()
    {
        var model = new Sequential(new IntegerLookup([3, 4], inputShape: [1]), new Dense(1));
        string path = _temp.File("good.safetensors");
        model.Save(path);
        var file = SafetensorsFile.Load(path);
        string config = file.Metadata[ModelFileFormat.ConfigKey];
        foreach (var (from, to) in new[] { ("[3,4]", "[3,4,3]"), ("[3,4]", "[3,-1]"), ("[3,4]", "[3,\"x\"]"), ("[3,4]", "[3,NaN]") })
        {
            Assert.Contains(from, config);
            string hostile = _temp.File($"hostile{to.GetHashCode()}.safetensors");
            file.Metadata[ModelFileFormat.ConfigKey] = config.Replace(from, to);
            file.Metadata.Remove("checksum");
            file.Save(hostile);
            var e = Assert.Throws<DataFormatException>(() => Model.Load(hostile));
            Assert.Contains(hostile, e.Message);
            Assert.Contains(to == "[3,NaN]" ? "config" : "vocabulary", e.Message);
        }
    }
}
