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

    public Shape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank)
            throw new ArgumentOutOfRangeException(nameof(dims), dims.Length, $"A shape has at most {MaxRank} axes; got {dims.Length}.");
        foreach (int d in dims)
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(dims), $"Shape {Format(dims)} has a negative dimension.");
        _dims = ShapeCache.Intern(dims);
    }

    public static Shape Scalar => new([]);

    public int Rank => _dims?.Length ?? 0;
    public int this[int axis] => Dims[axis < 0 ? Rank + axis : axis];
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

    public bool Equals(Shape other) => ReferenceEquals(_dims, other._dims) || Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);
    public static implicit operator Shape(int[] dims) => new(dims);

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
