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
}
