using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Rows of a (vocabulary, dim) <paramref name="table"/> picked by <paramref name="indices"/>
    /// (int32, or float holding whole numbers): output shape indices.shape + (dim,). Indices get no
    /// gradient; the table's gradient adds up repeated rows.
    /// </summary>
    public static Tensor Embedding(Tensor table, Tensor indices)
    {
        if (table.Rank != 2) throw new ShapeMismatchException($"Embedding needs a (vocabulary, dim) table; got {table.Shape}.");
        var ids = IndicesOf(indices);
        int vocabulary = table.Shape[0], dim = table.Shape[1];
        var dims = new int[indices.Rank + 1];
        indices.Shape.Dims.CopyTo(dims);
        dims[^1] = dim;
        var y = Tensor.Temp(new Shape(dims));
        EmbeddingKernel.Gather(table.Span, ids.IntSpan, y.Span, vocabulary, dim);
        return OpNode.Needed(table) ? new EmbeddingNode(table, ids).Attach(y) : y;
    }

    private static Tensor IndicesOf(Tensor indices)
    {
        if (indices.DType == DType.Int32) return indices;
        var ids = Tensor.IntTemp(indices.Shape);
        var f = indices.Span;
        var d = ids.IntSpan;
        for (int i = 0; i < f.Length; i++)
        {
            float v = f[i];
            if (v != MathF.Floor(v) || v < int.MinValue || v > int.MaxValue)
                throw new ArgumentException($"Embedding indices must be whole numbers; got {v} at position {i}.", nameof(indices));
            d[i] = (int)v;
        }
        return ids;
    }

    private sealed class EmbeddingNode(Tensor table, Tensor ids) : OpNode(table)
    {
        public override string Name => "Embedding";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dt) EmbeddingKernel.ScatterAdd(dy.Span, ids.IntSpan, dt.Span, table.Shape[0], table.Shape[1]);
        }
    }
}
