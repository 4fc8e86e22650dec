using DeepSharp.Nn.Layers;
using DeepSharp.Serialization.Onnx.Proto;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ONNX rules for the lookup layers: IntegerLookup as a table lookup in standard operators (the values, cast to int64,
/// compared with every key on a new last axis; the matching key's index, or the OOV index where none matches), then
/// CategoryEncoding's OneHot for the non-int modes (tf_idf: the counts times the idf weights). Hashing has no rule: FarmHash and SipHash are no ONNX operators.
/// </summary>
internal static class OnnxLookupRules
{
    /// <summary>The most keys the table lookup compares against (the comparison is values × keys).</summary>
    public const int MaxKeys = 1 << 16;

    public static string IntegerLookup(OnnxGraphBuilder g, IntegerLookup layer, string x, Shape inputShape)
    {
        long[] vocabulary = layer.GetVocabulary();
        if (!layer.IsAdapted || vocabulary.Length == 0 || vocabulary.Length > MaxKeys)
            throw new DeepSharpException($"ONNX export: layer '{layer.Name}' (IntegerLookup) has {(layer.IsAdapted ? vocabulary.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no")} " +
                $"vocabulary entries; the exported table lookup takes 1 to {MaxKeys}.");
        string values = g.Cast(x, layer.Name + "/int64", TensorProto.Types.DataType.Int64);
        bool intMode = layer.OutputMode == "int";
        int depth = layer.ComputeOutputShape(inputShape) is var o && !intMode ? o[o.Rank - 1] : 0;
        long[] keys;
        float[] results;
        string fallback;
        if (layer.Invert)
        {
            keys = [.. Enumerable.Range(0, vocabulary.Length).Select(i => (long)i)];
            results = [.. vocabulary.Select(v => (float)v)];
            fallback = g.AddInitializer(layer.Name + "/oov_token", [layer.OovToken]);
        }
        else
        {
            int start = layer.VocabularySize - layer.GetVocabulary(includeSpecialTokens: false).Length;
            keys = layer.GetVocabulary(includeSpecialTokens: false);
            results = [.. Enumerable.Range(start, keys.Length).Select(i => (float)i)];
            fallback = OutOfVocabulary(g, layer, values, intMode && layer.MaskToken is not null ? 1 : 0);
        }
        string table = Lookup(g, layer.Name, values, keys, results, fallback);
        if (!layer.Invert && layer.MaskToken is { } mask)
        {
            string isMask = g.AddNode("Equal", layer.Name + "/is_mask", [values, g.AddInt64Initializer(layer.Name + "/mask_token", mask)]);
            string maskIndex = g.AddInitializer(layer.Name + "/mask_index", [intMode ? 0f : depth]); // depth: OneHot gives zeros, the input is dropped
            table = g.AddNode("Where", layer.Name + "/masked", [isMask, maskIndex, table]);
        }
        if (intMode) return g.AddNode("Identity", layer.Name, [table]);
        if (layer.IdfWeights is { } idf)
        {
            // tf_idf: the counts times one weight per index (0 past the weights, under pad_to_max_tokens).
            var counts = OnnxCategoricalRules.CategoryEncoding(g, new CategoryEncoding(depth, "count", name: layer.Name + "_counts"), table, inputShape);
            var weights = IdfWeights.Padded([.. idf], depth);
            return g.AddNode("Mul", layer.Name, [counts, g.AddInitializer(layer.Name + "/idf_weights", weights, weights.Length)]);
        }
        var encoding = new CategoryEncoding(depth, layer.OutputMode, name: layer.Name);
        return OnnxCategoricalRules.CategoryEncoding(g, encoding, table, inputShape);
    }

    /// <summary>Where(any key equals the value, the matching result, <paramref name="fallback"/>), on float results.</summary>
    private static string Lookup(OnnxGraphBuilder g, string name, string values, long[] keys, float[] results, string fallback)
    {
        string expanded = g.Unsqueeze(values, name + "/expand", -1);
        string keyTensor = g.AddInt64Initializer(name + "/keys", keys);
        string hits = g.Cast(g.AddNode("Equal", name + "/compare", [expanded, keyTensor]), name + "/hits", TensorProto.Types.DataType.Float);
        string found = g.Cast(g.AddNode("ReduceMax", name + "/found", [hits], Ints("axes", -1), Int("keepdims", 0)), name + "/found_bool", TensorProto.Types.DataType.Bool);
        string picked = g.AddNode("Mul", name + "/picked", [hits, g.AddInitializer(name + "/results", results, results.Length)]);
        string index = g.AddNode("ReduceSum", name + "/index", [picked, g.AddInt64Initializer(name + "/axes", -1)], Int("keepdims", 0));
        return g.AddNode("Where", name + "/lookup", [found, index, fallback]);
    }

    /// <summary>The OOV index: the one index, value mod count (ONNX Mod on integers is floored, as Keras) past the first, or NaN with none.</summary>
    private static string OutOfVocabulary(OnnxGraphBuilder g, IntegerLookup layer, string values, int oovStart)
    {
        if (layer.NumOovIndices <= 1) return g.AddInitializer(layer.Name + "/oov_index", [layer.NumOovIndices == 0 ? float.NaN : oovStart]);
        string bucket = g.AddNode("Mod", layer.Name + "/oov_bucket", [values, g.AddInt64Initializer(layer.Name + "/num_oov", layer.NumOovIndices)], Int("fmod", 0));
        string asFloat = g.Cast(bucket, layer.Name + "/oov_float", TensorProto.Types.DataType.Float);
        return g.AddNode("Add", layer.Name + "/oov_index", [asFloat, g.AddInitializer(layer.Name + "/oov_start", [(float)oovStart])]);
    }

    /// <summary>The refusal for Hashing, naming the layer.</summary>
    public static DeepSharpException HashingRefused(Hashing layer) =>
        new($"ONNX export: layer '{layer.Name}' (Hashing) cannot be exported: ONNX has no FarmHash or SipHash operator. " +
            "Hash the values before the exported model (Hashing.Bin / HashStrings) and export the layers after it.");
}
