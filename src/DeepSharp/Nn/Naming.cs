using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>Keras naming and small config helpers.</summary>
internal static class Naming
{
    /// <summary>"MaxPooling2D" → "max_pooling2d", "Conv2D" → "conv2d", "Dense" → "dense".</summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterLower = i > 0 && (char.IsLower(name[i - 1]));
                if (afterLower) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    public static JsonArray ToJson(Shape shape)
    {
        var array = new JsonArray();
        foreach (int d in shape.Dims) array.Add(d);
        return array;
    }

    public static JsonArray Pair((int A, int B) pair) => [pair.A, pair.B];

    public static (int, int) ReadPair(JsonObject config, string key, (int, int) fallback)
    {
        if (config[key] is not JsonArray a) return fallback;
        if (a.Count != 2) throw new DeepSharpException($"Config key '{key}' must hold two integers, got {a.ToJsonString()}.");
        return (ReadInt(a[0], key), ReadInt(a[1], key));
    }

    public static int[]? ReadShape(JsonObject config, string key) =>
        config[key] is JsonArray a ? a.Select(n => ReadInt(n, key)).ToArray() : null;

    /// <summary>An integer from a config array; null or another kind of value throws.</summary>
    private static int ReadInt(JsonNode? node, string key) =>
        node is JsonValue v && v.TryGetValue(out int value) ? value
        : throw new DeepSharpException($"Config key '{key}' must hold integers, got {node?.ToJsonString() ?? "null"}.");

    public static T Required<T>(JsonObject config, string key, string layer)
    {
        var node = config[key] ?? throw new DeepSharpException($"Config of layer type {layer} lacks '{key}'.");
        return node.GetValue<T>();
    }
}
