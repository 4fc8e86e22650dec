using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// A model's architecture as Keras-style JSON:
/// <c>{"class_name": "Sequential", "config": {"name": ..., "layers": [{"class_name": "Conv2D", "config": {...}}, ...],
/// "build_input_shape": [null, 28, 28, 1]}}</c>. Parsing creates layers only through
/// <see cref="LayerRegistry"/>: a file can name DeepSharp's layer types and nothing else.
/// </summary>
public static class ModelConfig
{
    /// <summary>
    /// The most layers a model config may list (Sequential or Functional): ten times the largest
    /// published Keras architectures (NASNetLarge ~1,000 layers, EfficientNetB7 ~800), and a bound
    /// on the time and memory a hostile config can cost.
    /// </summary>
    public const int MaxLayers = 10_000;

    /// <summary>The most layer calls (inbound nodes) a Functional config may make, shared layers' repeated calls included.</summary>
    public const int MaxLayerCalls = 20_000;

    /// <summary>
    /// The most values one layer's output may hold per sample: 2^28 (1 GiB of float32; a GPT-2 sized model's logits
    /// over 2,048 positions hold 103 million). A model file of 792 bytes (a RepeatVector of 2^28) made one Predict
    /// allocate 8.6 GB; such a file is now refused when it loads, naming the layer.
    /// </summary>
    public const long MaxLayerOutputElements = 1L << 28;

    /// <summary>
    /// The most weight elements <c>Model.FromJson</c> creates for an architecture without weights: 2^30 (a billion
    /// parameters, 4 GiB of float32). A model file's weights are bounded by the file itself; a JSON text of a few hundred
    /// bytes could ask for a Dense layer of 2^30 units on 4 inputs, 16 GB.
    /// </summary>
    public const long MaxFreshWeights = 1L << 30;

    /// <summary>The most JSON values a model config may hold (100 per layer at <see cref="MaxLayers"/>); see docs/files.md.</summary>
    public const int MaxJsonValues = JsonLimits.MaxValues;

    /// <summary>The deepest nesting of a model config's JSON (wrapper layers such as Bidirectional nest their layer's config).</summary>
    public const int MaxDepth = 32;

    /// <summary>What a parsed config describes: the model class, its name, new unbuilt layers, the input shape it was built for.</summary>
    public sealed record Description(string ClassName, string Name, IReadOnlyList<Layer> Layers, Shape? BuildInputShape);

    /// <summary>The config of a model made of <paramref name="layers"/> in order.</summary>
    public static JsonObject ToJson(string className, string name, IEnumerable<Layer> layers, Shape? buildInputShape)
    {
        var list = new JsonArray();
        foreach (var layer in layers)
            list.Add((JsonNode)new JsonObject { ["class_name"] = layer.TypeName, ["config"] = layer.GetConfig() });
        var config = new JsonObject { ["name"] = name, ["layers"] = list };
        if (buildInputShape is { } shape)
        {
            var dims = new JsonArray { null };
            foreach (int d in shape.Dims) dims.Add((JsonNode)d);
            config["build_input_shape"] = dims;
        }
        return new JsonObject { ["class_name"] = className, ["config"] = config };
    }

    /// <summary>The top of a model config: its class name and its "config" object, not yet interpreted.</summary>
    /// <exception cref="DataFormatException">The JSON is invalid (or holds an invalid string, or more than <see cref="MaxJsonValues"/> values) or lacks class_name/config.</exception>
    public static (string ClassName, JsonObject Config) ReadTop(string json, string source)
    {
        var utf8 = JsonLimits.Check(json, MaxDepth, $"Model file '{source}': the model config");
        var root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        try
        {
            if (root is not JsonObject top) throw Bad(source, "the model config is not a JSON object");
            string className = String(top, "class_name", source);
            if (top["config"] is not JsonObject config) throw Bad(source, "the model config lacks its 'config' object");
            return (className, config);
        }
        catch (Exception e) when (IsConfigError(e))
        {
            throw new DataFormatException($"Model file '{source}': invalid model config ({e.Message}).", e);
        }
    }

    /// <summary>Parses a Sequential-style config and creates its layers (unbuilt); <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="DataFormatException">The JSON is invalid, names an unknown layer type, or a layer's config is invalid.</exception>
    public static Description Parse(string json, string source)
    {
        var (className, config) = ReadTop(json, source);
        return Parse(className, config, source);
    }

    /// <summary>Creates the layers of a Sequential-style config read by <see cref="ReadTop"/> (taking its layer configs out of it).</summary>
    internal static Description Parse(string className, JsonObject config, string source)
    {
        try
        {
            string name = String(config, "name", source);
            if (config["layers"] is not JsonArray layerList) throw Bad(source, "the model config lacks its 'layers' array");
            if (layerList.Count > MaxLayers) throw Bad(source, $"the model config lists {layerList.Count} layers; DeepSharp reads at most {MaxLayers}");
            var layers = new List<Layer>(layerList.Count);
            for (int i = 0; i < layerList.Count; i++)
            {
                if (layerList[i] is not JsonObject entry || entry["config"] is not JsonObject layerConfig)
                    throw Bad(source, $"layer {i} of the model config is not {{\"class_name\": ..., \"config\": {{...}}}}");
                // The layer gets its config detached from the tree rather than a deep copy (which would cost
                // memory per JSON value it holds, however large).
                entry.Remove("config");
                layers.Add(LayerRegistry.Create(String(entry, "class_name", source), layerConfig));
            }
            return new Description(className, name, layers, ReadBuildShape(config, source));
        }
        catch (DataFormatException) { throw; }
        catch (DeepSharpException e)
        {
            throw new DataFormatException($"Model file '{source}': {e.Message}", e);
        }
        catch (Exception e) when (IsConfigError(e))
        {
            throw new DataFormatException($"Model file '{source}': invalid model config ({e.Message}).", e);
        }
    }

    /// <summary>The exceptions that reading malformed config JSON can raise (wrong node kinds, bad numbers).</summary>
    internal static bool IsConfigError(Exception e) =>
        e is InvalidOperationException or FormatException or ArgumentException or InvalidCastException or OverflowException;

    private static Shape? ReadBuildShape(JsonObject config, string source)
    {
        if (config["build_input_shape"] is not { } node) return null;
        if (node is not JsonArray array || array.Count < 2 || array[0] is not null)
            throw Bad(source, $"build_input_shape is {Shorten(node.ToJsonString())}, expected [null, d1, d2, ...]");
        if (array.Count - 1 > LayerConfig.MaxRank)
            throw Bad(source, $"build_input_shape has {array.Count - 1} dimensions; at most {LayerConfig.MaxRank} are supported");
        var dims = new int[array.Count - 1];
        for (int i = 1; i < array.Count; i++)
        {
            if (array[i] is not JsonValue v || !v.TryGetValue(out int d) || d <= 0)
                throw Bad(source, $"build_input_shape is {Shorten(node.ToJsonString())}: dimensions must be positive integers");
            dims[i - 1] = d;
        }
        return new Shape(dims);
    }

    private static string String(JsonObject obj, string key, string source) =>
        obj[key] is JsonValue v && v.TryGetValue(out string? s) && s is not null ? s
        : throw Bad(source, $"the model config lacks the string '{key}'");

    private static DataFormatException Bad(string source, string problem) => new($"Model file '{source}': {problem}.");

    private static string Shorten(string json) => json.Length <= 80 ? json : json[..77] + "...";
}
