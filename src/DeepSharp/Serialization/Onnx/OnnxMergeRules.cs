using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using static DeepSharp.Serialization.Onnx.OnnxGraphBuilder;

namespace DeepSharp.Serialization.Onnx;

/// <summary>ONNX rules for the broadcasting merges (Add, Subtract, Multiply, Average, Maximum, Minimum) and Dot.</summary>
internal static class OnnxMergeRules
{
    /// <summary>One variadic ONNX op (Sub, Mean, Max, Min) over the inputs, aligned as <see cref="Aligned"/> says.</summary>
    public static string Elementwise(OnnxGraphBuilder g, Layer layer, string op, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes) =>
        g.AddNode(op, layer.Name, Aligned(g, layer, xs, shapes));

    /// <summary>A binary ONNX op (Add, Mul) applied left to right over the inputs, aligned as <see cref="Aligned"/> says.</summary>
    public static string Chained(OnnxGraphBuilder g, Layer layer, string op, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes)
    {
        var aligned = Aligned(g, layer, xs, shapes);
        string y = aligned[0];
        for (int i = 1; i < aligned.Length; i++) y = g.AddNode(op, layer.Name, [y, aligned[i]]);
        return y;
    }

    /// <summary>
    /// The inputs, a lower-rank one first given size-1 axes after the batch axis, as the layer aligns it, since ONNX
    /// broadcasts from the last axis; the shapes are checked by the layer's own rule first.
    /// </summary>
    private static string[] Aligned(OnnxGraphBuilder g, Layer layer, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes)
    {
        layer.ComputeOutputShape(shapes);
        int rank = shapes.Max(s => s.Rank);
        var aligned = new string[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            int missing = rank - shapes[i].Rank;
            aligned[i] = missing == 0 ? xs[i] : g.Unsqueeze(xs[i], $"{layer.Name}/align_{i}", [.. Enumerable.Range(1, missing).Select(a => (long)a)]);
        }
        return aligned;
    }

    /// <summary>
    /// Each input's dot axis moved last and the rest flattened, (B, M, K) and (B, N, K); with normalize,
    /// x / √max(Σx², 1e-12) along K; then MatMul with the second transposed, reshaped to the layer's output.
    /// </summary>
    public static string Dot(OnnxGraphBuilder g, Dot layer, IReadOnlyList<string> xs, IReadOnlyList<Shape> shapes)
    {
        var output = layer.ComputeOutputShape(shapes);
        var (a, b) = layer.ResolvedAxes(shapes[0], shapes[1]);
        string left = Flattened(g, layer.Name + "/first", xs[0], shapes[0], a);
        string right = Flattened(g, layer.Name + "/second", xs[1], shapes[1], b);
        if (layer.Normalize)
        {
            left = L2Normalized(g, layer.Name + "/first", left);
            right = L2Normalized(g, layer.Name + "/second", right);
        }
        string product = g.AddNode("MatMul", layer.Name + "/matmul", [left, g.Transpose(right, layer.Name + "/second_t", 0, 2, 1)]);
        return g.AddNode("Reshape", layer.Name, [product, g.AddInt64Initializer(layer.Name + "/shape", [0, .. output.ToArray().Select(d => (long)d)])]);
    }

    private static string Flattened(OnnxGraphBuilder g, string name, string x, Shape shape, int axis)
    {
        int depth = shape[axis];
        long rest = shape.Size / Math.Max(depth, 1);
        if (axis != shape.Rank - 1)
        {
            var perm = Nn.Layers.Dot.AxisLastPermutation(shape.Rank + 1, axis + 1);
            x = g.Transpose(x, name + "/axis_last", [.. perm.Select(p => (long)p)]);
        }
        return g.AddNode("Reshape", name + "/rows", [x, g.AddInt64Initializer(name + "/rows_shape", 0, rest, depth)]);
    }

    private static string L2Normalized(OnnxGraphBuilder g, string name, string x)
    {
        string squares = g.AddNode("ReduceSumSquare", name + "/sum_squares", [x], Ints("axes", -1), Int("keepdims", 1));
        string floor = g.AddInitializer(name + "/epsilon", [1e-12f]);
        string norm = g.AddNode("Sqrt", name + "/norm", [g.AddNode("Max", name + "/clamped", [squares, floor])]);
        return g.AddNode("Div", name + "/normalized", [x, norm]);
    }
}
