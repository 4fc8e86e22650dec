using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What a convolution layer's rank decides about its per-axis sizes (kernel_size, strides, dilation_rate,
/// output_padding): an int for 1-D, (H, W) for 2-D, (D, H, W) for 3-D; their axis names, and the step
/// between a size and its list of axes. Everything else (checks, config forms) works on that list.
/// </summary>
internal abstract class ConvolutionRank<TSize> where TSize : struct
{
    /// <summary>The axis names in order, as error messages say them ("steps"; "height", "width"; ...).</summary>
    public abstract string[] Axes { get; }

    /// <summary>The sizes along each axis, in the order of <see cref="Axes"/>.</summary>
    public abstract int[] ToArray(TSize size);

    /// <summary>The size from one value per axis.</summary>
    public abstract TSize FromArray(int[] values);

    /// <summary>The same value along every axis.</summary>
    public TSize All(int value) => FromArray([.. Enumerable.Repeat(value, Axes.Length)]);

    /// <summary>Whether every axis holds 1.</summary>
    public bool IsOne(TSize size) => Array.TrueForAll(ToArray(size), v => v == 1);

    /// <summary>Keras's config form: a list with one integer per axis ([n], [h, w], [d, h, w]).</summary>
    public JsonArray ToJson(TSize size) => new([.. ToArray(size).Select(v => (JsonNode)v)]);

    /// <summary>
    /// A size written as n (every axis) or a list of one integer per axis, each at least <paramref name="min"/>;
    /// null when the key is missing or null.
    /// </summary>
    /// <exception cref="DeepSharpException">The value is not one of those forms (the message names the layer and key).</exception>
    public TSize? ReadOptional(LayerConfig c, string key, int min = 1)
    {
        var node = c.Json[key];
        if (node is null) return null;
        if (node is not JsonArray array) return All(Integer(c, key, node, min));
        if (array.Count != Axes.Length)
            throw c.Error(key, $"must be an integer or a list of {Axes.Length} ({string.Join(", ", Axes)}), got {node.ToJsonString()}");
        return FromArray([.. array.Select(v => Integer(c, key, v, min))]);
    }

    /// <summary>As <see cref="ReadOptional"/>, with <paramref name="fallback"/> when missing (null: the key is required).</summary>
    public TSize Read(LayerConfig c, string key, TSize? fallback) => ReadOptional(c, key) ?? fallback ?? throw c.Error(key, "is missing");

    private static int Integer(LayerConfig c, string key, JsonNode? node, int min) =>
        node is JsonValue v && v.TryGetValue(out int value) && value >= min
            ? value
            : throw c.Error(key, $"must hold integers from {min} to 2^31 − 1, got {(node is null ? "null" : node.ToJsonString())}");
}

/// <summary>The convolution ranks: 1-D (steps), 2-D (height, width), 3-D (depth, height, width).</summary>
internal static class ConvolutionRank
{
    public static readonly ConvolutionRank<int> One = new Rank1();
    public static readonly ConvolutionRank<(int H, int W)> Two = new Rank2();
    public static readonly ConvolutionRank<(int D, int H, int W)> Three = new Rank3();

    private sealed class Rank1 : ConvolutionRank<int>
    {
        public override string[] Axes { get; } = ["steps"];
        public override int[] ToArray(int size) => [size];
        public override int FromArray(int[] values) => values[0];
    }

    private sealed class Rank2 : ConvolutionRank<(int H, int W)>
    {
        public override string[] Axes { get; } = ["height", "width"];
        public override int[] ToArray((int H, int W) size) => [size.H, size.W];
        public override (int H, int W) FromArray(int[] values) => (values[0], values[1]);
    }

    private sealed class Rank3 : ConvolutionRank<(int D, int H, int W)>
    {
        public override string[] Axes { get; } = ["depth", "height", "width"];
        public override int[] ToArray((int D, int H, int W) size) => [size.D, size.H, size.W];
        public override (int D, int H, int W) FromArray(int[] values) => (values[0], values[1], values[2]);
    }
}
