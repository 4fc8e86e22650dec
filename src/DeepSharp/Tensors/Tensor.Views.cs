namespace DeepSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// A view with a new shape over the same elements (free). One dimension may be −1 and is inferred.
    /// Not recorded for autograd: use Ops.Reshape for that.
    /// </summary>
    public Tensor View(params ReadOnlySpan<int> shape) => new(Storage, ResolveShape(shape), _offset);

    /// <summary>A view with <paramref name="shape"/> (same number of elements) over the same elements.</summary>
    public Tensor View(Shape shape) => shape.Size == Size
        ? new(Storage, shape, _offset)
        : throw new ShapeMismatchException($"Cannot view {Shape} ({Size} elements) as {shape}.");

    /// <summary>
    /// The same elements, cut from autograd (torch's <c>detach()</c>; <c>Ops.StopGradient</c> is Keras's name): a
    /// view sharing this tensor's memory that records nothing and passes no gradient back.
    /// </summary>
    public Tensor Detach() => new(Storage, Shape, _offset);

    internal Shape ResolveShape(ReadOnlySpan<int> shape)
    {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (inferred >= 0) throw new ShapeMismatchException($"Cannot reshape {Shape} to {Shape.Format(shape)}: more than one -1.");
                inferred = i;
            }
            else if (shape[i] < 0) throw new ShapeMismatchException($"Cannot reshape {Shape} to {Shape.Format(shape)}: negative dimension.");
            else known *= shape[i];
        }
        Span<int> dims = stackalloc int[shape.Length];
        shape.CopyTo(dims);
        if (inferred >= 0)
        {
            if (known == 0 || Size % known != 0)
                throw new ShapeMismatchException($"Cannot reshape {Shape} ({Size} elements) to {Shape.Format(shape)}.");
            dims[inferred] = (int)(Size / known);
        }
        else if (known != Size)
            throw new ShapeMismatchException($"Cannot reshape {Shape} ({Size} elements) to {Shape.Format(shape)}.");
        return new Shape(dims);
    }

    /// <summary>Rows [start, start + count) of the first axis, as a view (free).</summary>
    public Tensor SliceRows(int start, int count)
    {
        if (Rank == 0) throw new ShapeMismatchException("Cannot slice a scalar tensor.");
        if (start < 0 || count < 0 || start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + count}) are outside a tensor of shape {Shape}.");
        int rowSize = Shape[0] == 0 ? 0 : Size / Shape[0];
        return new Tensor(Storage, Shape.With(0, count), _offset + start * rowSize);
    }

    /// <summary>The rows named by <paramref name="indices"/> (first axis), copied into a new tensor.</summary>
    public Tensor GatherRows(ReadOnlySpan<int> indices)
    {
        var shape = Shape.With(0, indices.Length);
        var result = DType == DType.Int32 ? IntTemp(shape) : Temp(shape);
        GatherRowsInto(indices, result);
        return result;
    }

    /// <summary>Copies the rows named by <paramref name="indices"/> into <paramref name="destination"/>.</summary>
    public void GatherRowsInto(ReadOnlySpan<int> indices, Tensor destination)
    {
        if (Rank == 0) throw new ShapeMismatchException("Cannot gather rows of a scalar tensor.");
        int rows = Shape[0];
        int rowSize = rows == 0 ? 0 : Size / rows;
        if (destination.Size != indices.Length * rowSize || destination.DType != DType)
            throw new ShapeMismatchException($"Cannot gather {indices.Length} rows of {Shape} into {destination.Shape}.");
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(indices), r, $"Row index {r} is outside a tensor of shape {Shape}.");
            if (DType == DType.Int32)
                IntSpan.Slice(r * rowSize, rowSize).CopyTo(destination.IntSpan.Slice(i * rowSize, rowSize));
            else
                Span.Slice(r * rowSize, rowSize).CopyTo(destination.Span.Slice(i * rowSize, rowSize));
        }
    }
}
