using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The shapes before and after each layer of a <see cref="QuantizedChain"/> for one input shape
/// (batch included), remembered per thread: a Predict repeated on the same shape (serving at batch
/// 1) then reuses them instead of asking every layer for its output shape on every call (each a new
/// <see cref="Shape"/>, hashed and interned: ~0.3 µs of a ~7 µs batch-1 convnet Predict).
/// </summary>
/// <remarks>
/// A plan is reused only for the same layer objects, in the same places, built for the same input
/// shape, on an input of the same shape; a layer's output shape depends only on its configuration,
/// which does not change once it is built.
/// </remarks>
internal sealed class QuantizedChainPlan
{
    [ThreadStatic] private static QuantizedChainPlan? t_last;

    private readonly IReadOnlyList<Layer> _list;
    private readonly Layer[] _layers;
    private readonly int _start;
    private readonly Shape _built;

    private QuantizedChainPlan(IReadOnlyList<Layer> layers, int start, int end, Shape input, Shape built)
    {
        _list = layers;
        _start = start;
        _built = built;
        _layers = new Layer[end - start + 1];
        Shapes = new Shape[end - start + 2];
        Shapes[0] = input;
        long largest = input.Size;
        for (int i = start; i <= end; i++)
        {
            _layers[i - start] = layers[i];
            var after = layers[i].ComputeOutputShape(Shapes[i - start].WithoutBatch()).WithBatch(input[0]);
            Shapes[i - start + 1] = after;
            largest = Math.Max(largest, after.Size);
        }
        Largest = largest;
    }

    /// <summary>The input's shape, then each layer's output shape in turn (batch included).</summary>
    public Shape[] Shapes { get; }

    /// <summary>The most bytes any of <see cref="Shapes"/> holds.</summary>
    public long Largest { get; }

    /// <summary>
    /// The plan for layers <paramref name="start"/>..<paramref name="end"/> of <paramref name="layers"/> on
    /// <paramref name="input"/>: this thread's last one when it fits, else a new one (which becomes the last).
    /// </summary>
    /// <remarks>The caller has checked that layer <paramref name="start"/> was built for <paramref name="input"/> without its batch.</remarks>
    public static QuantizedChainPlan For(IReadOnlyList<Layer> layers, int start, int end, Shape input)
    {
        var last = t_last;
        if (last is not null && last.Fits(layers, start, end, input)) return last;
        return t_last = new QuantizedChainPlan(layers, start, end, input, layers[start].BuiltInputShape!.Value);
    }

    /// <summary>This thread's last plan when it is for these layers and this input; else null.</summary>
    public static QuantizedChainPlan? Reused(IReadOnlyList<Layer> layers, int start, int end, Shape input) =>
        t_last is { } last && last.Fits(layers, start, end, input) ? last : null;

    private bool Fits(IReadOnlyList<Layer> layers, int start, int end, Shape input)
    {
        if (!ReferenceEquals(layers, _list) || start != _start || end - start + 1 != _layers.Length || input != Shapes[0]
            || layers[start].BuiltInputShape is not { } built || built != _built)
            return false;
        for (int i = start; i <= end; i++)
            if (!ReferenceEquals(layers[i], _layers[i - start])) return false;
        return true;
    }
}
