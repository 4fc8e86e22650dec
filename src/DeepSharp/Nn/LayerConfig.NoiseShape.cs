using System.Text.Json.Nodes;

namespace DeepSharp.Nn;

internal sealed partial class LayerConfig
{
    /// <summary>
    /// Keras's <c>noise_shape</c>: a list of at most <see cref="MaxRank"/> entries, batch axis first, each a
    /// size or null (the input's size on that axis); null when missing or null.
    /// </summary>
    public int?[]? NoiseShape(string key = "noise_shape")
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is not JsonArray array || array.Count == 0 || array.Count > MaxRank)
            throw Error(key, $"must be a list of 1 to {MaxRank} sizes or nulls (batch axis first), got {Show(node)}");
        var dims = new int?[array.Count];
        for (int i = 0; i < dims.Length; i++)
            dims[i] = array[i] is null ? null : ReadInt(key, array[i], 1, int.MaxValue);
        return dims;
    }
}
