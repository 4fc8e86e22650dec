using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What the 3-D layers (Conv3D, Conv3DTranspose, the 3-D poolings, UpSampling3D, ZeroPadding3D, Cropping3D) share in
/// their configs and argument checks: Keras's three-axis sizes (n or [d, h, w]) and margins
/// (n, [d, h, w] or [[front, back], [top, bottom], [left, right]]).
/// </summary>
internal static class VolumeConfig
{
    /// <summary>[d, h, w] as Keras writes 3-D sizes.</summary>
    public static JsonArray Triple((int D, int H, int W) t) => new(t.D, t.H, t.W);

    /// <summary>[[a, b], [c, d], [e, f]] as Keras writes 3-D padding and cropping.</summary>
    public static JsonArray Margins((int A, int B) depth, (int A, int B) rows, (int A, int B) columns) =>
        new(Naming.Pair(depth), Naming.Pair(rows), Naming.Pair(columns));

    /// <summary>All three sizes positive, else an exception naming the layer type and argument.</summary>
    public static (int D, int H, int W) Positive((int D, int H, int W) t, string layer, string name) =>
        t.D > 0 && t.H > 0 && t.W > 0 ? t : throw new ArgumentOutOfRangeException(name, t, $"{layer} {name} must be positive.");

    /// <summary>Three sizes written as n (all three) or [d, h, w]; <paramref name="fallback"/> when missing or null.</summary>
    public static (int D, int H, int W) Triple(LayerConfig c, string key, (int, int, int)? fallback) =>
        OptionalTriple(c, key) ?? fallback ?? throw c.Error(key, "is missing");

    /// <summary>
    /// As <see cref="Triple(LayerConfig, string, ValueTuple{int, int, int}?)"/>, or null when missing or null; each size at
    /// least <paramref name="min"/> (0 for Conv3DTranspose's output_padding).
    /// </summary>
    public static (int D, int H, int W)? OptionalTriple(LayerConfig c, string key, int min = 1)
    {
        var node = c.Json[key];
        if (node is null) return null;
        if (node is JsonArray array)
        {
            if (array.Count != 3) throw c.Error(key, $"must be an integer or a list of three, got {node.ToJsonString()}");
            return (Read(c, key, array[0], min), Read(c, key, array[1], min), Read(c, key, array[2], min));
        }
        int all = Read(c, key, node, min);
        return (all, all, all);
    }

    /// <summary>
    /// Keras's 3-D margins: n (all six), [d, h, w] (symmetric per axis) or [[front, back], [top, bottom], [left, right]];
    /// each a non-negative integer. <paramref name="fallback"/> on every side when missing or null.
    /// </summary>
    public static ((int, int) Depth, (int, int) Rows, (int, int) Columns) Margins3D(LayerConfig c, string key, int fallback)
    {
        var node = c.Json[key];
        if (node is null) return ((fallback, fallback), (fallback, fallback), (fallback, fallback));
        if (node is not JsonArray array)
        {
            int all = Read(c, key, node, 0);
            return ((all, all), (all, all), (all, all));
        }
        if (array.Count != 3)
            throw c.Error(key, $"must be an integer, [depth, rows, columns] or [[front, back], [top, bottom], [left, right]], got {node.ToJsonString()}");
        if (array[0] is JsonArray && array[1] is JsonArray && array[2] is JsonArray)
            return (Pair(c, key, array[0]!), Pair(c, key, array[1]!), Pair(c, key, array[2]!));
        int d = Read(c, key, array[0], 0), h = Read(c, key, array[1], 0), w = Read(c, key, array[2], 0);
        return ((d, d), (h, h), (w, w));
    }

    private static (int, int) Pair(LayerConfig c, string key, JsonNode node)
    {
        if (node is not JsonArray pair || pair.Count != 2) throw c.Error(key, $"must hold pairs of two integers, got {node.ToJsonString()}");
        return (Read(c, key, pair[0], 0), Read(c, key, pair[1], 0));
    }

    private static int Read(LayerConfig c, string key, JsonNode? node, int min)
    {
        if (node is JsonValue v && v.TryGetValue(out int value) && value >= min) return value;
        throw c.Error(key, $"must hold integers from {min} to 2^31 − 1, got {(node is null ? "null" : node.ToJsonString())}");
    }
}
