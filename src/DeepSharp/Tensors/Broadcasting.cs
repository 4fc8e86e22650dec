using System.Numerics.Tensors;

namespace DeepSharp.Tensors;

/// <summary>The four arithmetic operators that broadcast.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Subtract,
    /// <summary>a · b, elementwise.</summary>
    Multiply,
    /// <summary>a / b, elementwise (IEEE: division by zero gives ±∞ or NaN, no exception).</summary>
    Divide,
}

/// <summary>
/// NumPy-style broadcasting for float32 tensors: shapes are aligned from the right and an axis of
/// size 1 stretches. Same-shape, scalar and trailing-row cases run on TensorPrimitives; other
/// cases use a strided loop.
/// </summary>
public static class Broadcasting
{
    /// <summary>The shape that <paramref name="a"/> and <paramref name="b"/> broadcast to, e.g. (4, 1, 3) and (5, 1) give (4, 5, 3).</summary>
    /// <exception cref="ShapeMismatchException">An axis differs and neither size is 1.</exception>
    public static Shape BroadcastShapes(Shape a, Shape b) => BroadcastShapes(a, b, "Broadcast");

    /// <summary>The shape that <paramref name="a"/> and <paramref name="b"/> broadcast to, for the op named <paramref name="op"/> (which the error names).</summary>
    /// <exception cref="ShapeMismatchException">An axis differs and neither size is 1.</exception>
    public static Shape BroadcastShapes(Shape a, Shape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeMismatchException($"{op}: shapes {a} and {b} cannot be broadcast together (axis {i}: {da} vs {db}).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>a op b into a new (temporary) tensor of the broadcast shape.</summary>
    public static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        var shape = BroadcastShapes(a.Shape, b.Shape, Name(op));
        var result = Tensor.Temp(shape);
        BinaryInto(a, b, op, result);
        return result;
    }

    /// <summary>
    /// <paramref name="x"/> stretched to <paramref name="shape"/> (NumPy's broadcast_to), copied into a
    /// new (temporary) tensor; <paramref name="x"/> itself when it already has that shape.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x does not broadcast to <paramref name="shape"/>.</exception>
    public static Tensor Expand(Tensor x, Shape shape)
    {
        if (x.Shape == shape) return x;
        if (BroadcastShapes(x.Shape, shape, "Expand") != shape)
            throw new ShapeMismatchException($"Expand: shape {x.Shape} cannot be broadcast to {shape}.");
        var result = x.DType == DType.Int32 ? Tensor.IntTemp(shape) : Tensor.Temp(shape);
        if (result.Size == 0) return result;
        if (x.Size == 1) // a scalar or (1, 1, …): one fill
        {
            if (x.DType == DType.Int32) result.IntSpan.Fill(x.IntSpan[0]);
            else result.Span.Fill(x.Span[0]);
            return result;
        }
        var strides = BroadcastStrides(x.Shape, shape);
        var index = new int[shape.Rank];
        int n = result.Size;
        if (x.DType == DType.Int32)
        {
            var src = x.IntSpan;
            var dst = result.IntSpan;
            for (int i = 0; i < n; i++) { dst[i] = src[Offset(index, strides)]; Increment(index, shape); }
        }
        else
        {
            var src = x.Span;
            var dst = result.Span;
            for (int i = 0; i < n; i++) { dst[i] = src[Offset(index, strides)]; Increment(index, shape); }
        }
        return result;
    }

    private static int Offset(int[] index, int[] strides)
    {
        int offset = 0;
        for (int d = 0; d < index.Length; d++) offset += index[d] * strides[d];
        return offset;
    }

    internal static void BinaryInto(Tensor a, Tensor b, BinaryOp op, Tensor result)
    {
        Span<float> y = result.Span;
        ReadOnlySpan<float> x1 = a.Span, x2 = b.Span;
        if (a.Shape == b.Shape)
        {
            Apply(op, x1, x2, y);
        }
        else if (b.Size == 1 && a.Shape == result.Shape)
        {
            ApplyScalarRight(op, x1, x2[0], y);
        }
        else if (a.Size == 1 && b.Shape == result.Shape)
        {
            ApplyScalarLeft(op, x1[0], x2, y);
        }
        else if (a.Shape == result.Shape && IsTrailing(b.Shape, a.Shape))
        {
            int n = b.Size;
            for (int o = 0; o < y.Length; o += n) Apply(op, x1.Slice(o, n), x2, y.Slice(o, n));
        }
        else
        {
            StridedLoop(a, b, op, result);
        }
    }

    /// <summary>target += grad summed over the axes along which target was broadcast to grad's shape.</summary>
    public static void AccumulateReduced(Tensor grad, Tensor target)
    {
        if (grad.Shape == target.Shape)
        {
            TensorPrimitives.Add(target.Span, grad.Span, target.Span);
            return;
        }
        if (target.Size == 1)
        {
            target.Span[0] += TensorPrimitives.Sum<float>(grad.Span);
            return;
        }
        int rank = grad.Rank;
        var strides = BroadcastStrides(target.Shape, grad.Shape);
        var g = grad.Span;
        var t = target.Span;
        var index = new int[rank];
        for (int i = 0; i < g.Length; i++)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++) offset += index[d] * strides[d];
            t[offset] += g[i];
            Increment(index, grad.Shape);
        }
    }

    private static bool IsTrailing(Shape small, Shape big)
    {
        if (small.Rank > big.Rank) return false;
        int lead = big.Rank - small.Rank;
        for (int i = 0; i < small.Rank; i++)
            if (small[i] != big[lead + i]) return false;
        return true;
    }

    private static void StridedLoop(Tensor a, Tensor b, BinaryOp op, Tensor result)
    {
        var sa = BroadcastStrides(a.Shape, result.Shape);
        var sb = BroadcastStrides(b.Shape, result.Shape);
        var x1 = a.Span;
        var x2 = b.Span;
        var y = result.Span;
        var index = new int[result.Rank];
        for (int i = 0; i < y.Length; i++)
        {
            int oa = 0, ob = 0;
            for (int d = 0; d < index.Length; d++)
            {
                oa += index[d] * sa[d];
                ob += index[d] * sb[d];
            }
            y[i] = Scalar(op, x1[oa], x2[ob]);
            Increment(index, result.Shape);
        }
    }

    /// <summary>Strides of <paramref name="shape"/> laid over <paramref name="target"/>: 0 on broadcast axes.</summary>
    private static int[] BroadcastStrides(Shape shape, Shape target)
    {
        var strides = new int[target.Rank];
        int stride = 1;
        for (int i = target.Rank - 1; i >= 0; i--)
        {
            int j = i - (target.Rank - shape.Rank);
            int dim = j >= 0 ? shape[j] : 1;
            strides[i] = dim == 1 ? 0 : stride;
            stride *= dim;
        }
        return strides;
    }

    private static void Increment(int[] index, Shape shape)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return;
            index[d] = 0;
        }
    }

    /// <summary>The op's name for errors, without boxing the enum (binary ops run inside allocation-free training steps).</summary>
    private static string Name(BinaryOp op) => op switch
    {
        BinaryOp.Add => "Add",
        BinaryOp.Subtract => "Subtract",
        BinaryOp.Multiply => "Multiply",
        _ => "Divide",
    };

    private static float Scalar(BinaryOp op, float x, float y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Subtract => x - y,
        BinaryOp.Multiply => x * y,
        _ => x / y,
    };

    private static void Apply(BinaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void ApplyScalarRight(BinaryOp op, ReadOnlySpan<float> x, float y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }

    private static void ApplyScalarLeft(BinaryOp op, float x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(y, x, d); break;
            case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TensorPrimitives.Multiply(y, x, d); break;
            default: TensorPrimitives.Divide(x, y, d); break;
        }
    }
}
