using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Root-mean-square normalisation over the last axis of (rows, cols) data; see <see cref="NaiveRmsNorm"/>.
/// Float sums where the twin uses double (about 1e-6 relative apart).
/// </summary>
/// <remarks>
/// One fused pass per step and row (<see cref="RmsNormRow"/>) instead of the composed ops' square,
/// mean, add, square root, divide and multiply, each a pass over the whole tensor with its own
/// temporary and autograd record. Rows go in fixed blocks (<see cref="RmsNormRows.BlockRows"/>, a
/// function of the shape only) over the worker pool. Backward: a block writes its column sums
/// Σdy·xhat to its own slot and the caller adds the slots in block order, so any number of threads
/// gives the same bits.
/// </remarks>
internal static unsafe class RmsNormKernel
{
    /// <summary>y = x·rstd·scale per row, rstd = 1/√(mean(x²) + ε) saved per row; an empty scale means ones.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, float epsilon, Span<float> y, Span<float> rstd, int rows, int cols)
    {
        Validate(x.Length, y.Length, rstd.Length, rows, cols);
        CheckScale(scale.Length, cols);
        if (cols == 0 || rows == 0) return;
        fixed (float* px = x, ps = scale, py = y, pr = rstd)
        {
            var args = new RmsNormArgs { X = px, Scale = scale.IsEmpty ? null : ps, Y = py, Rstd = pr, Epsilon = epsilon, Rows = rows, Cols = cols };
            RmsNormRows.Run(args);
        }
    }

    /// <summary>
    /// dx (+)= rstd·(g − xhat·mean(g·xhat)) with xhat = x·rstd and g = dy·scale (written when
    /// <paramref name="accumulateDx"/> is false); dscale += Σ_rows dy·xhat. Empty dx or dscale: not wanted.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> rstd, ReadOnlySpan<float> scale, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dscale, int rows, int cols, bool accumulateDx = true)
    {
        Validate(x.Length, dy.Length, rstd.Length, rows, cols);
        CheckScale(scale.Length, cols);
        if (!dx.IsEmpty && dx.Length < (long)rows * cols)
            throw new ArgumentException($"RMS norm of {rows}×{cols} got a dx buffer of {dx.Length} elements.");
        if (!dscale.IsEmpty && dscale.Length < cols)
            throw new ArgumentException($"RMS norm of {rows}×{cols} got a dscale buffer of {dscale.Length} elements.");
        if (cols == 0 || rows == 0) return;
        bool sums = !dscale.IsEmpty;
        if (dx.IsEmpty && !sums) return;
        int blockRows = RmsNormRows.BlockRows(rows, cols), blocks = (rows + blockRows - 1) / blockRows;
        float* partial = sums ? Scratch.Floats(Scratch.Packed, (long)blocks * cols) : null;
        fixed (float* px = x, pr = rstd, ps = scale, pdy = dy, pdx = dx)
        {
            var args = new RmsNormArgs
            {
                X = px, Rstd = pr, Scale = scale.IsEmpty ? null : ps, Dy = pdy, Dx = dx.IsEmpty ? null : pdx,
                Partial = partial, Rows = rows, Cols = cols, IsBackward = true, AccumulateDx = accumulateDx,
            };
            RmsNormRows.Run(args);
        }
        if (!sums) return;
        // Σ_b partial_b per column in block order, as vectors along the columns (the first slot gathers them).
        var total = new Span<float>(partial, cols);
        for (int b = 1; b < blocks; b++) TensorPrimitives.Add(total, new ReadOnlySpan<float>(partial + (long)b * cols, cols), total);
        TensorPrimitives.Add(dscale[..cols], total, dscale[..cols]);
    }

    private static void Validate(int xLength, int otherLength, int rstdLength, int rows, int cols)
    {
        long n = (long)rows * cols;
        if (rows < 0 || cols < 0 || xLength < n || otherLength < n || rstdLength < rows)
            throw new ArgumentException($"RMS norm of {rows}×{cols} got buffers of {xLength}, {otherLength} and {rstdLength} elements.");
    }

    private static void CheckScale(int scaleLength, int cols)
    {
        if (scaleLength != 0 && scaleLength < cols)
            throw new ArgumentException($"RMS norm over {cols} columns got a scale of {scaleLength} elements.");
    }
}
