using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What the convolution-variant and resizing layers (Conv2DTranspose, DepthwiseConv2D, SeparableConv2D,
/// UpSampling, ZeroPadding, Cropping) share in their configs and argument checks: channels-last only,
/// positive sizes, and Keras's margin forms (n, [a, b], [[top, bottom], [left, right]]).
/// </summary>
internal static class ConvolutionConfig
{
    /// <summary>Keras's data_format: only "channels_last" (or missing) is accepted.</summary>
    public static void ChannelsLast(LayerConfig c)
    {
        string format = c.String("data_format", "channels_last");
        if (format != "channels_last")
            throw c.Error("data_format", $"is '{format}'; DeepSharp layers are channels-last (NHWC) only");
    }

    /// <summary>Both sizes positive, else an exception naming the layer type and argument.</summary>
    public static (int H, int W) Positive((int H, int W) pair, string layer, string name) =>
        pair.H > 0 && pair.W > 0 ? pair : throw new ArgumentOutOfRangeException(name, pair, $"{layer} {name} must be positive.");

    /// <summary>A size positive, else an exception naming the layer type and argument.</summary>
    public static int Positive(int size, string layer, string name) =>
        size > 0 ? size : throw new ArgumentOutOfRangeException(name, size, $"{layer} {name} must be positive.");

    /// <summary>Both margins non-negative, else an exception naming the layer type and argument.</summary>
    public static (int A, int B) NonNegative((int A, int B) pair, string layer, string name) =>
        pair.A >= 0 && pair.B >= 0 ? pair : throw new ArgumentOutOfRangeException(name, pair, $"{layer} {name} must be non-negative.");

    /// <summary>[[a, b], [c, d]] as Keras writes 2-D padding and cropping.</summary>
    public static JsonArray Margins((int A, int B) rows, (int A, int B) columns) => new(Naming.Pair(rows), Naming.Pair(columns));

    /// <summary>
    /// Keras's 2-D margins: n (all four), [h, w] (symmetric per axis) or [[top, bottom], [left, right]];
    /// each a non-negative integer. <paramref name="fallback"/> when missing or null.
    /// </summary>
    public static ((int, int) Rows, (int, int) Columns) Margins2D(LayerConfig c, string key, int fallback)
    {
        var node = c.Json[key];
        if (node is null) return ((fallback, fallback), (fallback, fallback));
        if (node is not JsonArray array)
        {
            int all = Margin(c, key, node);
            return ((all, all), (all, all));
        }
        if (array.Count != 2) throw c.Error(key, $"must be an integer, [rows, columns] or [[top, bottom], [left, right]], got {node.ToJsonString()}");
        if (array[0] is JsonArray && array[1] is JsonArray)
            return (Margins1D(c, key, array[0]!), Margins1D(c, key, array[1]!));
        int h = Margin(c, key, array[0]), w = Margin(c, key, array[1]);
        return ((h, h), (w, w));
    }

    /// <summary>Keras's 1-D margins: n (both ends) or [start, end]; <paramref name="fallback"/> when missing or null.</summary>
    public static (int, int) Margins1D(LayerConfig c, string key, (int, int) fallback) =>
        c.Json[key] is { } node ? Margins1D(c, key, node) : fallback;

    private static (int, int) Margins1D(LayerConfig c, string key, JsonNode node)
    {
        if (node is not JsonArray pair)
        {
            int both = Margin(c, key, node);
            return (both, both);
        }
        if (pair.Count != 2) throw c.Error(key, $"must hold pairs of two integers, got {pair.ToJsonString()}");
        return (Margin(c, key, pair[0]), Margin(c, key, pair[1]));
    }

    private static int Margin(LayerConfig c, string key, JsonNode? node)
    {
        if (node is JsonValue v && v.TryGetValue(out int value) && value >= 0) return value;
        throw c.Error(key, $"must hold integers from 0 to 2^31 − 1, got {(node is null ? "null" : node.ToJsonString())}");
    }

    /// <summary>
    /// A spatial output size (or geometry) computed by <paramref name="size"/>, with kernel-side failures
    /// turned into a <see cref="ShapeMismatchException"/> that names the layer, the axis and the input.
    /// </summary>
    public static T Axis<T>(Layer layer, string axis, Shape inputShape, Func<T> size)
    {
        try
        {
            return size();
        }
        catch (ArgumentException e)
        {
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) does not fit inputs {inputShape.ToBatchString()} along the {axis}: {e.Message}");
        }
    }

    /// <summary>
    /// The error for a batch the kernels refuse (a geometry check failed: the batch's buffers exceed
    /// 2^31 − 1 elements), naming the layer and the batch's shape.
    /// </summary>
    public static ShapeMismatchException Unfit(Layer layer, Tensor x, ArgumentException e) =>
        new($"Layer '{layer.Name}' ({layer.TypeName}) cannot run on a batch of shape {x.Shape}: {e.Message}");
}
