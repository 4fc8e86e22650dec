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
        foreach (int d in shape.Dims) array.Add((JsonNode)d);
        return array;
    }

    public static JsonArray Pair((int A, int B) pair) => new(pair.A, pair.B);

    /// <summary>
    /// Why <paramref name="text"/> is not printable text for a name or config string (a control
    /// character, a lone surrogate), or null when it is. Layer names and model files follow one rule,
    /// so that every model that saves also loads.
    /// </summary>
    public static string? TextProblem(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsControl(c)) return $"holds the control character U+{(int)c:X4}";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c)) return $"holds a lone surrogate U+{(int)c:X4}";
        }
        return null;
    }
}
