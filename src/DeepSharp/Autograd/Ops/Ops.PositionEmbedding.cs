using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Rows [start, start + length) of a (positions, dim) <paramref name="table"/>, repeated for
    /// each of <paramref name="batch"/> sequences: (batch, length, dim). The table's gradient sums
    /// over the batch.
    /// </summary>
    public static Tensor PositionEmbedding(Tensor table, int batch, int start, int length)
    {
        if (table.Rank != 2) throw new ShapeMismatchException($"PositionEmbedding needs a (positions, dim) table; got {table.Shape}.");
        if (batch < 0 || start < 0 || length < 0 || (long)start + length > table.Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start),
                $"PositionEmbedding: positions [{start}, {(long)start + length}) for a batch of {batch} do not fit a table of {table.Shape[0]} positions.");
        int dim = table.Shape[1], block = length * dim;
        var y = Tensor.Temp(new Shape(batch, length, dim));
        var rows = table.Span.Slice(start * dim, block);
        for (int b = 0; b < batch; b++) rows.CopyTo(y.Span.Slice(b * block, block));
        return OpNode.Needed(table) ? new PositionEmbeddingNode(table, start).Attach(y) : y;
    }

    private sealed class PositionEmbeddingNode(Tensor table, int start) : OpNode(table)
    {
        public override string Name => "PositionEmbedding";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dt) return;
            int batch = output.Shape[0], block = output.Shape[1] * output.Shape[2];
            var rows = dt.Span.Slice(start * table.Shape[1], block);
            for (int b = 0; b < batch; b++) TensorPrimitives.Add(rows, dy.Span.Slice(b * block, block), rows);
        }
    }
}
