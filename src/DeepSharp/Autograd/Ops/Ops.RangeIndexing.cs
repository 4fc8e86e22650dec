using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// PyTorch's basic slicing with C# ranges and indices: <c>t[1:3]</c> is <c>Slice(x, 1..3)</c>,
/// <c>t[1:-1, :]</c> is <c>Slice(x, 1..^1, ..)</c>, <c>t[-1]</c> is <c>Select(x, ^1)</c>. A range keeps its
/// axis, an index removes it. Each sliced axis is one differentiable <see cref="Slice(Tensor, int, int, int)"/>
/// (a copy); a whole axis (<c>..</c>) costs nothing. C# has no tensor indexer that could record gradients
/// here (Tensor sits below Autograd, and extension indexers are a preview feature of C# 14), so these are methods.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// One range per leading axis, axes without one kept whole (PyTorch's <c>t[1:3, :-1]</c> is
    /// <c>Slice(t, 1..3, ..^1)</c>), copied. Ranges cannot step or run backwards.
    /// </summary>
    /// <exception cref="ShapeMismatchException">More ranges than the tensor has axes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A range runs outside its axis or backwards (e.g. <c>3..1</c>).</exception>
    public static Tensor Slice(Tensor x, params ReadOnlySpan<Range> ranges)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (ranges.Length > x.Rank)
            throw new ShapeMismatchException($"Slice: {ranges.Length} ranges for a tensor of shape {x.Shape} with {x.Rank} axes.");
        var y = x;
        for (int axis = 0; axis < ranges.Length; axis++)
        {
            int size = x.Shape[axis];
            int start = ranges[axis].Start.GetOffset(size), end = ranges[axis].End.GetOffset(size);
            if (start < 0 || end > size || start > end)
                throw new ArgumentOutOfRangeException(nameof(ranges), start > end && start >= 0 && end <= size
                    ? $"Slice: range {ranges[axis]} of axis {axis} of {x.Shape} runs backwards ([{start}, {end})); ranges have no negative step (as PyTorch's slicing)."
                    : $"Slice: range {ranges[axis]} is [{start}, {end}) of axis {axis} of {x.Shape}, outside [0, {size}].");
            if (start == 0 && end == size) continue; // a whole axis: nothing to cut
            y = Slice(y, axis, start, end - start);
        }
        return y;
    }

    /// <summary>Row <paramref name="index"/> of the first axis, that axis removed (PyTorch's <c>t[i]</c>; −1 is the last row), copied.</summary>
    /// <exception cref="ShapeMismatchException">The tensor is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the first axis.</exception>
    public static Tensor Select(Tensor x, int index) => Select(x, 0, index);

    /// <summary>Row <paramref name="index"/> of the first axis, that axis removed (PyTorch's <c>t[i]</c>; <c>^1</c> is the last row), copied.</summary>
    /// <exception cref="ShapeMismatchException">The tensor is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the first axis.</exception>
    public static Tensor Select(Tensor x, Index index) => Select(x, 0, index);

    /// <summary>Element <paramref name="index"/> of <paramref name="axis"/> (<c>^1</c> the last), that axis removed, copied.</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the axis.</exception>
    public static Tensor Select(Tensor x, int axis, Index index)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = NormalizeAxis(axis, x.Rank, x.Shape, "Select");
        int i = index.GetOffset(x.Shape[a]);
        if ((uint)i >= (uint)x.Shape[a])
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is outside axis {axis} of {x.Shape}.");
        return Select(x, a, i);
    }
}
