using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The masks merge layers pass on, Keras's rules: the elementwise merges (Add, Subtract, Multiply,
/// Average, Maximum, Minimum) keep a step where every masked input keeps it (logical AND of the
/// masks given); Concatenate joins the masks as it joins the inputs — each mask widened to its
/// input's shape (all ones for an input without one), concatenated along the axis, then "any" over
/// the last axis. Masks are float32 or int32, nonzero meaning keep; the result is 0/1 float32, or
/// null when no input has a mask.
/// </summary>
internal static class MergeMasks
{
    /// <summary>Logical AND of the masks that are given (Keras's Merge.compute_mask); they must share one shape.</summary>
    public static Tensor? And(Layer layer, IReadOnlyList<Tensor?> masks)
    {
        Tensor? first = null;
        foreach (var m in masks)
        {
            if (m is null) continue;
            if (first is null) { first = m; continue; }
            if (m.Shape != first.Shape)
                throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) merges masks of one shape; got {first.Shape} and {m.Shape}.");
        }
        if (first is null) return null;
        var result = Tensor.Zeros(first.Shape);
        var r = result.Span;
        r.Fill(1f);
        foreach (var m in masks)
        {
            if (m is null) continue;
            for (int i = 0; i < r.Length; i++)
                if (!Nonzero(m, i)) r[i] = 0f;
        }
        return result;
    }

    /// <summary>
    /// Keras's Concatenate.compute_mask for inputs joined along <paramref name="axis"/> (counted with
    /// the batch axis; negative from the end): the output's mask, the joined shape without its last axis.
    /// </summary>
    public static Tensor? Concatenated(Layer layer, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, int axis)
    {
        if (!Layer.HasAny(masks)) return null;
        int rank = inputs[0].Rank;
        int a = axis < 0 ? axis + rank : axis;
        for (int i = 0; i < inputs.Count; i++)
            if (masks[i] is { } m && !(Prefix(m.Shape, inputs[i].Shape) && m.Rank >= rank - 1))
                throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) needs each mask to be its input's shape or that shape without the last axis; input {i} is {inputs[i].Shape} with mask {m.Shape}.");
        var dims = new int[rank - 1];
        for (int d = 0; d < dims.Length; d++) dims[d] = d == a ? inputs.Sum(x => x.Shape[a]) : inputs[0].Shape[d];
        var result = Tensor.Zeros(new Shape(dims));
        var r = result.Span;
        var index = new int[rank - 1];
        for (int at = 0; at < r.Length; at++)
        {
            // The output position as an index over the joined shape without its last axis.
            for (int d = rank - 2, rest = at; d >= 0; d--) { index[d] = rest % dims[d]; rest /= dims[d]; }
            bool keep = false;
            if (a == rank - 1)
            {
                for (int i = 0; i < inputs.Count && !keep; i++) keep = AnyAlongLast(inputs[i], masks[i], index);
            }
            else
            {
                int i = 0, offset = index[a];
                while (offset >= inputs[i].Shape[a]) offset -= inputs[i++].Shape[a];
                index[a] = offset;
                keep = AnyAlongLast(inputs[i], masks[i], index);
            }
            r[at] = keep ? 1f : 0f;
        }
        return result;
    }

    /// <summary>Whether input <paramref name="x"/>'s widened mask has a nonzero along the last axis at <paramref name="index"/>.</summary>
    private static bool AnyAlongLast(Tensor x, Tensor? mask, int[] index)
    {
        int last = x.Shape[x.Rank - 1];
        if (last == 0) return false;
        if (mask is null) return true;
        int flat = 0;
        for (int d = 0; d < index.Length; d++) flat = flat * x.Shape[d] + index[d];
        if (mask.Rank == x.Rank - 1) return Nonzero(mask, flat);
        for (int j = 0; j < last; j++)
            if (Nonzero(mask, flat * last + j)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="prefix"/>'s axes are the first axes of <paramref name="shape"/>.</summary>
    private static bool Prefix(Shape prefix, Shape shape)
    {
        if (prefix.Rank > shape.Rank) return false;
        for (int d = 0; d < prefix.Rank; d++)
            if (prefix[d] != shape[d]) return false;
        return true;
    }

    private static bool Nonzero(Tensor t, int index) => t.DType == DType.Int32 ? t.IntSpan[index] != 0 : t.Span[index] != 0f;
}
