using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Joins tensors along <paramref name="axis"/> (negative counts from the end); other axes must agree.</summary>
    public static Tensor Concatenate(IReadOnlyList<Tensor> inputs, int axis = -1)
    {
        if (inputs.Count == 0) throw new ArgumentException("Concatenate needs at least one tensor.", nameof(inputs));
        var first = inputs[0].Shape;
        int rank = first.Rank;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ShapeMismatchException($"Concatenate axis {axis} is outside tensors of rank {rank}.");
        var dims = first.ToArray();
        dims[a] = 0;
        foreach (var t in inputs)
        {
            bool fits = t.Rank == rank;
            for (int i = 0; fits && i < rank; i++) fits = i == a || t.Shape[i] == first[i];
            if (!fits) throw new ShapeMismatchException($"Concatenate along axis {axis}: shapes {first} and {t.Shape} differ off that axis.");
            dims[a] += t.Shape[a];
        }
        var y = Tensor.Temp(new Shape(dims));
        int outer = 1;
        for (int i = 0; i < a; i++) outer *= dims[i];
        int rowLength = y.Size / Math.Max(outer, 1);
        int offset = 0;
        bool needed = false;
        foreach (var t in inputs)
        {
            int block = t.Size / Math.Max(outer, 1);
            var src = t.Span;
            var dst = y.Span;
            for (int o = 0; o < outer; o++) src.Slice(o * block, block).CopyTo(dst.Slice(o * rowLength + offset, block));
            offset += block;
            needed |= t.RequiresGrad;
        }
        return needed && !NoGrad.IsActive ? new ConcatenateNode([.. inputs], outer).Attach(y) : y;
    }

    private sealed class ConcatenateNode(Tensor[] parts, int outer) : OpNode(parts)
    {
        public override string Name => "Concatenate";
        public override void Backward(Tensor output, Tensor dy)
        {
            int rowLength = output.Size / Math.Max(outer, 1);
            int offset = 0;
            for (int i = 0; i < Inputs.Count; i++)
            {
                int block = Inputs[i].Size / Math.Max(outer, 1);
                if (GradOf(i) is { } dx)
                {
                    var d = dx.Span;
                    var g = dy.Span;
                    for (int o = 0; o < outer; o++)
                        System.Numerics.Tensors.TensorPrimitives.Add(d.Slice(o * block, block), g.Slice(o * rowLength + offset, block), d.Slice(o * block, block));
                }
                offset += block;
            }
        }
    }
}
