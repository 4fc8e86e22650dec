using DeepSharp.Kernels.Cpu.Simd;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Reductions along one block of axes. Every tensor is seen as (outer, n, inner): the reduced axes
/// (contiguous, size n) sit between the kept axes before them (outer) and after them (inner);
/// the result is (outer, inner).
/// </summary>
/// <remarks>
/// With inner = 1 each output is one row: the sum is <see cref="Reductions.Sum"/> (fixed blocks
/// combined in double), the extrema TensorPrimitives' (NaN propagates). With inner &gt; 1 the
/// output row accumulates the n input rows with the vector driver, in j order. Arg-extrema keep the
/// first index in scan order (NumPy, torch.max(dim) on CPU); a NaN wins, its first index is taken.
/// </remarks>
internal static class AxisReductions
{
    /// <summary>y[o, i] = Σ_j x[o, j, i].</summary>
    public static void Sum(ReadOnlySpan<float> x, Span<float> y, int outer, int n, int inner)
    {
        Check(x, y, outer, n, inner);
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { y[o] = Reductions.Sum(x.Slice(o * n, n)); continue; }
            var row = y.Slice(o * inner, inner);
            row.Clear();
            for (int j = 0; j < n; j++) ElementwiseDriver.Map(default(AddOperator), row, x.Slice((o * n + j) * inner, inner), row);
        }
    }

    /// <summary>y[o, i] = max_j x[o, j, i] (or min when <paramref name="max"/> is false); n must be positive.</summary>
    public static void Extremum(ReadOnlySpan<float> x, Span<float> y, int outer, int n, int inner, bool max)
    {
        Check(x, y, outer, n, inner);
        if (n == 0 && outer * inner > 0) throw new ArgumentException("An extremum over zero elements is undefined.", nameof(n));
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                var slice = x.Slice(o * n, n);
                y[o] = max ? TensorPrimitives.Max(slice) : TensorPrimitives.Min(slice);
                continue;
            }
            var row = y.Slice(o * inner, inner);
            x.Slice(o * n * inner, inner).CopyTo(row);
            for (int j = 1; j < n; j++)
            {
                var next = x.Slice((o * n + j) * inner, inner);
                if (max) TensorPrimitives.Max(row, next, row);
                else TensorPrimitives.Min(row, next, row);
            }
        }
    }

    /// <summary>index[o, i] = the first j where x[o, j, i] is the maximum (or minimum); a NaN counts as the extremum.</summary>
    public static void ArgExtremum(ReadOnlySpan<float> x, Span<int> index, int outer, int n, int inner, bool max)
    {
        if (x.Length < outer * n * inner || index.Length < outer * inner) throw new ArgumentException("ArgExtremum: spans too short for the layout.");
        if (n == 0 && outer * inner > 0) throw new ArgumentException("An arg-extremum over zero elements is undefined.", nameof(n));
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int at = o * n * inner + i;
                float best = x[at];
                int bestJ = 0;
                for (int j = 1; j < n && !float.IsNaN(best); j++)
                {
                    float v = x[at + j * inner];
                    if (float.IsNaN(v) || (max ? v > best : v < best)) { best = v; bestJ = j; }
                }
                index[o * inner + i] = bestJ;
            }
    }

    /// <summary>dx[o, j, i] += scale · dy[o, i]: the gradient of a sum (scale 1) or mean (1/n).</summary>
    public static void SumBackward(ReadOnlySpan<float> dy, Span<float> dx, int outer, int n, int inner, float scale)
    {
        Check(dx, dy, outer, n, inner);
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) { TensorPrimitives.Add(dx.Slice(o * n, n), scale * dy[o], dx.Slice(o * n, n)); continue; }
            var g = dy.Slice(o * inner, inner);
            for (int j = 0; j < n; j++)
            {
                var row = dx.Slice((o * n + j) * inner, inner);
                TensorPrimitives.MultiplyAdd(g, scale, row, row);
            }
        }
    }

    /// <summary>dx[o, index[o, i], i] += dy[o, i]: the gradient of an extremum, to the element chosen.</summary>
    public static void ScatterBackward(ReadOnlySpan<int> index, ReadOnlySpan<float> dy, Span<float> dx, int outer, int n, int inner)
    {
        Check(dx, dy, outer, n, inner);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int j = index[o * inner + i];
                if ((uint)j >= (uint)n) throw new ArgumentOutOfRangeException(nameof(index), j, $"Index outside the reduced axis of {n}.");
                dx[(o * n + j) * inner + i] += dy[o * inner + i];
            }
    }

    private static void Check(ReadOnlySpan<float> full, ReadOnlySpan<float> reduced, int outer, int n, int inner)
    {
        if (outer < 0 || n < 0 || inner < 0) throw new ArgumentOutOfRangeException(nameof(n), "Negative reduction layout.");
        if (full.Length < (long)outer * n * inner || reduced.Length < (long)outer * inner)
            throw new ArgumentException($"Axis reduction ({outer}, {n}, {inner}): spans of {full.Length} and {reduced.Length} elements are too short.");
    }
}
