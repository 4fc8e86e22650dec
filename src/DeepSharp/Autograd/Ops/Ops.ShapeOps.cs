using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Shape ops built on the primitives: views through <see cref="Reshape(Tensor, Shape)"/>, copies
/// through <see cref="Slice(Tensor, int, int, int)"/>, <see cref="Concatenate"/> and
/// <see cref="Permute"/>, so their gradients come from those rules. Axes may be negative (from the end).
/// </summary>
public static partial class Ops
{
    /// <summary>Removes axis <paramref name="axis"/>, which must have size 1 (a free view).</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the shape or its size is not 1.</exception>
    public static Tensor Squeeze(Tensor x, int axis)
    {
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Squeeze");
        if (x.Shape[a] != 1) throw new ShapeMismatchException($"Squeeze: axis {axis} of {x.Shape} has size {x.Shape[a]}, not 1.");
        var dims = new List<int>(x.Shape.ToArray());
        dims.RemoveAt(a);
        return Reshape(x, new Shape([.. dims]));
    }

    /// <summary>Removes every axis of size 1 (a free view).</summary>
    public static Tensor Squeeze(Tensor x)
    {
        var dims = new List<int>(x.Rank);
        foreach (int d in x.Shape.Dims) if (d != 1) dims.Add(d);
        return Reshape(x, new Shape([.. dims]));
    }

    /// <summary>Inserts an axis of size 1 at <paramref name="axis"/> of the result (−1: last; a free view; torch's unsqueeze, Keras's expand_dims).</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside [−rank − 1, rank].</exception>
    public static Tensor Unsqueeze(Tensor x, int axis)
    {
        int a = NormalizeAxis(axis, x.Rank + 1, x.Shape, "Unsqueeze");
        var dims = new List<int>(x.Shape.ToArray());
        dims.Insert(a, 1);
        return Reshape(x, new Shape([.. dims]));
    }

    /// <summary>Swaps the last two axes (a copy), the matrix transpose of each matrix in a batch.</summary>
    /// <exception cref="ShapeMismatchException">The tensor has fewer than two axes.</exception>
    public static Tensor Transpose(Tensor x) => x.Rank >= 2
        ? Transpose(x, -2, -1)
        : throw new ShapeMismatchException($"Transpose needs at least two axes; got {x.Shape}.");

    /// <summary>Swaps axes <paramref name="axis0"/> and <paramref name="axis1"/> (a copy).</summary>
    public static Tensor Transpose(Tensor x, int axis0, int axis1)
    {
        int a = NormalizeAxis(axis0, x.Rank, x.Shape, "Transpose"), b = NormalizeAxis(axis1, x.Rank, x.Shape, "Transpose");
        var perm = new int[x.Rank];
        for (int i = 0; i < perm.Length; i++) perm[i] = i;
        (perm[a], perm[b]) = (b, a);
        return Permute(x, perm);
    }

    /// <summary>The elements of <paramref name="range"/> along <paramref name="axis"/> (C# ranges: <c>2..5</c>, <c>^3..</c>), copied.</summary>
    public static Tensor Slice(Tensor x, int axis, Range range)
    {
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Slice");
        int size = x.Shape[a];
        int start = range.Start.GetOffset(size), end = range.End.GetOffset(size);
        if (start < 0 || end > size || start > end)
            throw new ArgumentOutOfRangeException(nameof(range), $"Slice: range {range} is [{start}, {end}) of axis {axis} of {x.Shape}, outside [0, {size}] or reversed.");
        return Slice(x, a, start, end - start);
    }

    /// <summary>Index <paramref name="index"/> (negative from the end) of <paramref name="axis"/>, with that axis removed (NumPy's x[:, i]).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the axis.</exception>
    public static Tensor Select(Tensor x, int axis, int index)
    {
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Select");
        int i = index < 0 ? index + x.Shape[a] : index;
        if ((uint)i >= (uint)x.Shape[a])
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Select: index {index} is outside axis {axis} of {x.Shape}.");
        return Squeeze(Slice(x, a, i, 1), a);
    }

    /// <summary>Splits <paramref name="axis"/> into <paramref name="parts"/> equal pieces (copies).</summary>
    /// <exception cref="ShapeMismatchException">The axis does not divide into that many pieces.</exception>
    public static Tensor[] Split(Tensor x, int parts, int axis = 0)
    {
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Split");
        if (parts <= 0 || x.Shape[a] % parts != 0)
            throw new ShapeMismatchException($"Split: axis {axis} of {x.Shape} does not divide into {parts} equal parts.");
        var sizes = new int[parts];
        Array.Fill(sizes, x.Shape[a] / parts);
        return Split(x, sizes, a);
    }

    /// <summary>Splits <paramref name="axis"/> into consecutive pieces of the given sizes (copies).</summary>
    /// <exception cref="ShapeMismatchException">The sizes do not add up to the axis.</exception>
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Split");
        long total = 0;
        foreach (int s in sizes) total += s < 0 ? int.MinValue : s;
        if (total != x.Shape[a])
            throw new ShapeMismatchException($"Split: sizes ({string.Join(", ", sizes)}) do not add up to axis {axis} of {x.Shape}.");
        var pieces = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            pieces[i] = Slice(x, a, start, sizes[i]);
            start += sizes[i];
        }
        return pieces;
    }

    /// <summary>Joins tensors of one shape along a new axis <paramref name="axis"/> of the result.</summary>
    /// <exception cref="ShapeMismatchException">The tensors' shapes differ.</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> inputs, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(inputs));
        var expanded = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Shape != inputs[0].Shape)
                throw new ShapeMismatchException($"Stack: shapes {inputs[0].Shape} and {inputs[i].Shape} differ.");
            expanded[i] = Unsqueeze(inputs[i], axis);
        }
        return Concatenate(expanded, NormalizeAxis(axis, inputs[0].Rank + 1, inputs[0].Shape, "Stack"));
    }

    /// <summary>
    /// <paramref name="x"/> stretched to <paramref name="shape"/> as NumPy's broadcast_to (a copy; x itself
    /// when the shape is already its own). The gradient sums over the stretched axes.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x does not broadcast to the shape.</exception>
    public static Tensor BroadcastTo(Tensor x, Shape shape)
    {
        var y = Broadcasting.Expand(x, shape);
        if (ReferenceEquals(y, x)) return x;
        return OpNode.Needed(x) ? new BroadcastToNode(x).Attach(y) : y;
    }

    /// <summary>Axis <paramref name="axis"/> of a rank-<paramref name="rank"/> tensor, counted from 0.</summary>
    private static int NormalizeAxis(int axis, int rank, Shape shape, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank) throw new ShapeMismatchException($"{op}: axis {axis} is outside a tensor of shape {shape}.");
        return a;
    }

    private sealed class BroadcastToNode(Tensor x) : OpNode(x)
    {
        public override string Name => "BroadcastTo";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Broadcasting.AccumulateReduced(dy, dx);
        }
    }
}
