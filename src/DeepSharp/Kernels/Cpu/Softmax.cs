using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Row softmax and log-softmax; see <see cref="NaiveSoftmax"/> for the exact contract.
/// Rows are processed with TensorPrimitives (vectorised max, exp, sum) in float; the twin sums in
/// double, so results agree to rounding (relative ~1e-6 for rows of a few thousand columns).
/// </summary>
internal static unsafe class Softmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        RequireLengths(x.Length, y.Length, rows, cols);
        for (int r = 0; r < rows; r++) ForwardRow(x.Slice(r * cols, cols), y.Slice(r * cols, cols));
    }

    /// <summary>dx += y ⊙ (dy − Σ dy·y), row by row.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        RequireLengths(y.Length, dx.Length, rows, cols);
        RequireLengths(dy.Length, dx.Length, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * cols, cols);
            var dyr = dy.Slice(r * cols, cols);
            var dxr = dx.Slice(r * cols, cols);
            ElementwiseDriver.Map(new SoftmaxBackwardOperator(TensorPrimitives.Dot(dyr, yr)), yr, dyr, dxr, dxr);
        }
    }

    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        RequireLengths(x.Length, y.Length, rows, cols);
        var tmp = new Span<float>(Scratch.Floats(Scratch.TileC, cols), cols);
        for (int r = 0; r < rows; r++) LogForwardRow(x.Slice(r * cols, cols), y.Slice(r * cols, cols), tmp);
    }

    /// <summary>dx += dy − exp(y) · Σ dy, row by row (y is the log-softmax output).</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        RequireLengths(y.Length, dx.Length, rows, cols);
        RequireLengths(dy.Length, dx.Length, rows, cols);
        var p = new Span<float>(Scratch.Floats(Scratch.TileC, cols), cols);
        for (int r = 0; r < rows; r++)
        {
            var dyr = dy.Slice(r * cols, cols);
            var dxr = dx.Slice(r * cols, cols);
            float sum = TensorPrimitives.Sum(dyr);
            TensorPrimitives.Exp(y.Slice(r * cols, cols), p);
            ElementwiseDriver.Map(new LogSoftmaxBackwardOperator(sum), p, dyr, dxr, dxr);
        }
    }

    /// <summary>
    /// Rows up to this long are done in scalar code: for a row of ten classes, the fixed cost of
    /// five TensorPrimitives calls exceeds the arithmetic.
    /// </summary>
    internal const int ShortRow = 16;

    /// <summary>y = exp(x − max) / Σ exp(x − max) for one row.</summary>
    internal static void ForwardRow(ReadOnlySpan<float> x, Span<float> y) => ProbabilitiesRow(x, y);

    /// <summary>As <see cref="ForwardRow"/>; returns log Σ exp(x) = max + log Σ exp(x − max).</summary>
    internal static float ProbabilitiesRow(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.IsEmpty) return float.NegativeInfinity;
        float max, sum;
        if (x.Length <= ShortRow)
        {
            max = Max(x);
            sum = ShiftedExp(x, y, max);
            for (int c = 0; c < x.Length; c++) y[c] /= sum;
        }
        else
        {
            max = TensorPrimitives.Max(x);
            TensorPrimitives.Subtract(x, max, y);
            TensorPrimitives.Exp(y, y);
            sum = TensorPrimitives.Sum(y);
            TensorPrimitives.Divide(y, sum, y);
        }
        return MathF.Log(sum) + max;
    }

    /// <summary>y = x − (max + log Σ exp(x − max)) for one row; <paramref name="tmp"/> holds ≥ x.Length floats.</summary>
    internal static void LogForwardRow(ReadOnlySpan<float> x, Span<float> y, Span<float> tmp)
    {
        if (x.IsEmpty) return;
        if (x.Length <= ShortRow)
        {
            float m = Max(x);
            float logSumShort = MathF.Log(ShiftedExp(x, tmp, m)) + m;
            for (int c = 0; c < x.Length; c++) y[c] = x[c] - logSumShort;
            return;
        }
        float max = TensorPrimitives.Max(x);
        tmp = tmp[..x.Length];
        TensorPrimitives.Subtract(x, max, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        float logSum = (float)(Math.Log(TensorPrimitives.Sum(tmp)) + max);
        TensorPrimitives.Subtract(x, logSum, y);
    }

    /// <summary>The row maximum; NaN if any element is NaN (as Math.Max in the twin).</summary>
    private static float Max(ReadOnlySpan<float> x)
    {
        float max = x[0];
        for (int c = 1; c < x.Length; c++) max = MathF.Max(max, x[c]);
        return max;
    }

    /// <summary>e[c] = exp(x[c] − max); returns Σ e.</summary>
    private static float ShiftedExp(ReadOnlySpan<float> x, Span<float> e, float max)
    {
        float sum = 0;
        for (int c = 0; c < x.Length; c++)
        {
            e[c] = MathF.Exp(x[c] - max);
            sum += e[c];
        }
        return sum;
    }

    internal static void RequireLengths(int input, int output, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || input < (long)rows * cols || output < (long)rows * cols)
            throw new ArgumentException($"A {rows}×{cols} softmax needs {(long)rows * cols} elements; got {input} in and {output} out.");
    }
}
