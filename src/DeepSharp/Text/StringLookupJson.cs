using System.Text.Json.Nodes;

namespace DeepSharp.Text;

/// <summary>
/// The JSON form of a <see cref="StringLookup"/> kept in a model file: Keras's StringLookup config (<c>{"max_tokens": null,
/// "num_oov_indices": 1, "mask_token": null, "oov_token": "[UNK]", "output_mode": "int", "invert": false,
/// "pad_to_max_tokens": false, "sparse": false, "encoding": "utf-8", "vocabulary": ["a", "b", ...]}</c>, the vocabulary
/// without the special tokens; in output_mode "tf_idf" the vocabulary starts with them and <c>"idf_weights"</c> gives one
/// weight per entry). Read back with bounds: at most 2^20 tokens of at most <see cref="StringLookup.MaxTokenLength"/>
/// characters, unique, none the mask or OOV token (but for the special tokens leading the list); idf weights one per entry,
/// each a finite number ≥ 0.
/// </summary>
internal static class StringLookupJson
{
    private const int MaxDepth = 3; // root, vocabulary, nothing deeper
    private static readonly string[] s_keys = ["name", "trainable", "dtype", "max_tokens", "num_oov_indices", "mask_token", "oov_token", "output_mode", "invert",
        "pad_to_max_tokens", "sparse", "encoding", "vocabulary", "vocabulary_size", "idf_weights"];

    public static string Write(StringLookup lookup)
    {
        if (!lookup.IsAdapted) throw new InvalidOperationException("The StringLookup has no vocabulary: call Adapt or give one before saving it with a model.");
        var config = new JsonObject
        {
            ["max_tokens"] = lookup.MaxTokens,
            ["num_oov_indices"] = lookup.NumOovIndices,
            ["mask_token"] = lookup.MaskToken,
            ["oov_token"] = lookup.OovToken,
            ["output_mode"] = lookup.OutputMode,
            ["invert"] = lookup.Invert,
            ["pad_to_max_tokens"] = lookup.PadToMaxTokens,
            ["sparse"] = false,
            ["encoding"] = "utf-8",
            ["vocabulary"] = new JsonArray([.. lookup.GetVocabulary(includeSpecialTokens: lookup.IdfWeights is not null).Select(t => (JsonNode)t)]),
        };
        if (lookup.IdfWeights is { } idf) config["idf_weights"] = new JsonArray([.. idf.Select(w => (JsonNode)w)]);
        return config.ToJsonString();
    }

    /// <summary>A StringLookup from <see cref="Write"/>'s JSON (or a Keras StringLookup config with its vocabulary).</summary>
    /// <exception cref="DataFormatException">The JSON is not such a config, or passes a bound; the message begins with <paramref name="what"/>.</exception>
    public static StringLookup Read(string json, string what)
    {
        var utf8 = JsonLimits.Check(json, MaxDepth, what);
        try
        {
            if (JsonNode.Parse(utf8, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = MaxDepth }) is not JsonObject root) throw new FormatException("expected a JSON object");
            foreach (var (key, _) in root)
                if (Array.IndexOf(s_keys, key) < 0) throw new FormatException($"unknown key '{(key.Length > 32 ? key[..32] + "..." : key)}'");
            if (root["sparse"] is JsonValue sparse && sparse.GetValue<bool>()) throw new FormatException("'sparse' true is not supported");
            if (root["encoding"] is JsonValue encoding && encoding.GetValue<string>() is not ("utf-8" or "UTF-8")) throw new FormatException("'encoding' must be utf-8");
            if (root["vocabulary"] is not JsonArray vocabulary) throw new FormatException("'vocabulary' is missing or not a list of strings");
            if (vocabulary.Count > Nn.Layers.LookupVocabulary<string>.MaxSize) throw new FormatException($"'vocabulary' holds {vocabulary.Count} tokens; at most {Nn.Layers.LookupVocabulary<string>.MaxSize} are read");
            var tokens = new string[vocabulary.Count];
            for (int i = 0; i < tokens.Length; i++)
                tokens[i] = vocabulary[i] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new FormatException($"vocabulary token [{i}] is not a string");
            int? maxTokens = root["max_tokens"] is { } m ? Int(m, "max_tokens", 1, 1 << 24) : null;
            int oov = root["num_oov_indices"] is { } n ? Int(n, "num_oov_indices", 0, Nn.Layers.LookupVocabulary<string>.MaxSize) : 1;
            string? mask = root["mask_token"] is { } mt ? Text(mt, "mask_token") : null;
            string oovToken = root["oov_token"] is { } ot ? Text(ot, "oov_token") : "[UNK]";
            string mode = root["output_mode"] is { } om ? Text(om, "output_mode") : "int";
            bool invert = root["invert"] is JsonValue inv && inv.GetValue<bool>();
            bool pad = root["pad_to_max_tokens"] is JsonValue p && p.GetValue<bool>();
            var idf = root["idf_weights"] is { } weights ? Weights(weights, tokens.Length) : null;
            return new StringLookup(tokens, maxTokens, oov, mask, oovToken, mode, invert, pad, idf);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new DataFormatException($"{what} is not a string lookup ({e.Message})", e);
        }
    }

    /// <summary>
    /// 'idf_weights': a list of as many numbers as the vocabulary has entries, each finite and ≥ 0 (the StringLookup checks
    /// the count against its special tokens).
    /// </summary>
    internal static float[] Weights(JsonNode node, int entries)
    {
        if (node is not JsonArray list) throw new FormatException("'idf_weights' is not a list of numbers");
        if (list.Count != entries) throw new FormatException($"'idf_weights' holds {list.Count} weights; the vocabulary has {entries} entries");
        var weights = new float[list.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            if (list[i] is not JsonValue v || !v.TryGetValue(out double w)) throw new FormatException($"idf_weights[{i}] is not a number");
            if (!(w >= 0 && w <= float.MaxValue)) throw new FormatException($"idf_weights[{i}] is {w}; weights must be finite numbers ≥ 0");
            weights[i] = (float)w;
        }
        return weights;
    }

    private static int Int(JsonNode node, string key, int min, int max) =>
        node is JsonValue v && v.TryGetValue(out int value) && value >= min && value <= max ? value : throw new FormatException($"'{key}' must be an integer in [{min}, {max}]");

    private static string Text(JsonNode node, string key) =>
        node is JsonValue v && v.TryGetValue(out string? s) && s.Length <= StringLookup.MaxTokenLength ? s : throw new FormatException($"'{key}' must be a string of at most {StringLookup.MaxTokenLength} characters");
}
