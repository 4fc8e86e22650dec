namespace DeepSharp.Tensors;

/// <summary>
/// An immutable tensor shape: the size of each axis, outermost first. The dimensions live in an
/// interned array (<see cref="ShapeCache"/>), so building a shape seen before allocates nothing.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>The most axes a shape may have (shapes are copied onto the stack in places).</summary>
    public const int MaxRank = 64;

    /// <param name="dims">Axis sizes, outermost first; none for a scalar. Zero is allowed (an empty tensor).</param>
    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="MaxRank"/> axes, or a negative size.</exception>
    public Shape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank)
            throw new ArgumentOutOfRangeException(nameof(dims), dims.Length, $"A shape has at most {MaxRank} axes; got {dims.Length}.");
        foreach (int d in dims)
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(dims), $"Shape {Format(dims)} has a negative dimension.");
        _dims = ShapeCache.Intern(dims);
    }

    /// <summary>The shape of rank 0: one element, no axes.</summary>
    public static Shape Scalar => new([]);

    /// <summary>Number of axes (0 for a scalar).</summary>
    public int Rank => _dims?.Length ?? 0;
    /// <summary>The size of axis <paramref name="axis"/>; negative values count from the end, as in Python (-1 is the last axis).</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="axis"/> is outside [-Rank, Rank).</exception>
    public int this[int axis] => Dims[axis < 0 ? Rank + axis : axis];
    /// <summary>The axis sizes, outermost first, without copying.</summary>
    public ReadOnlySpan<int> Dims => _dims ?? [];

    /// <summary>Number of elements; throws if it does not fit in an int.</summary>
    public int Size
    {
        get
        {
            long size = 1;
            foreach (int d in Dims)
            {
                size *= d;
                if (size > int.MaxValue) throw new ShapeMismatchException($"Shape {this} has more than {int.MaxValue} elements.");
            }
            return (int)size;
        }
    }

    /// <summary>A copy of the axis sizes that the caller may change.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>This shape with <paramref name="batch"/> prepended.</summary>
    public Shape WithBatch(int batch)
    {
        Span<int> dims = stackalloc int[Rank + 1];
        dims[0] = batch;
        Dims.CopyTo(dims[1..]);
        return new Shape(dims);
    }

    /// <summary>This shape without its first axis.</summary>
    public Shape WithoutBatch() => Rank == 0 ? this : new Shape(Dims[1..]);

    /// <summary>This shape with axis <paramref name="axis"/> set to <paramref name="size"/>.</summary>
    public Shape With(int axis, int size)
    {
        Span<int> dims = stackalloc int[Rank];
        Dims.CopyTo(dims);
        dims[axis < 0 ? Rank + axis : axis] = size;
        return new Shape(dims);
    }

    /// <summary>Whether both shapes have the same rank and the same size on every axis.</summary>
    public bool Equals(Shape other) => ReferenceEquals(_dims, other._dims) || Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> have the same axis sizes.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> differ in rank or in some axis size.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);
    /// <summary>Lets an <c>int[]</c> stand for a shape: <c>Shape s = new[] { 2, 3 };</c>. The array is copied.</summary>
    /// <exception cref="ArgumentOutOfRangeException">As the constructor.</exception>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Python tuple notation, as NumPy and Keras print shapes: "(2, 3)", "(5,)", "()".</summary>
    public override string ToString() => Format(Dims);

    /// <summary>This per-sample shape with Keras's unknown batch axis in front: "(None, 28, 28, 1)".</summary>
    public string ToBatchString()
    {
        var parts = new List<string> { "None" };
        foreach (int d in Dims) parts.Add(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return "(" + string.Join(", ", parts) + ")";
    }

    internal static string Format(ReadOnlySpan<int> dims)
    {
        if (dims.Length == 1) return $"({dims[0]},)";
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++) parts[i] = dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }
}
