using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Resizing of NHWC images by per-axis tap tables (<see cref="ResizeTaps"/>: bicubic, area, Lanczos, Gaussian,
/// Mitchell, antialiased bilinear), separably: rows first into scratch (N, OutH, InW, C), whole rows at a time as
/// weighted sums (TensorPrimitives, every vector width), then columns, one pixel's channels at a time. The result is
/// linear in x, so backward runs the transposed passes. See <see cref="Reference.NaiveFilteredResize"/> for the contract.
/// </summary>
internal static class FilteredResizeKernel
{
    /// <summary>The scratch <see cref="Forward"/> and <see cref="Backward"/> need: N·OutH·InW·C floats.</summary>
    public static int ScratchLength(in ResizeGeometry g) => g.Batch * g.OutH * g.InW * g.Channels;

    /// <summary>Writes y.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, in ResizeGeometry g, ResizeTaps rows, ResizeTaps columns)
    {
        Validate(x.Length, y.Length, scratch.Length, g, rows, columns);
        int c = g.Channels, inRow = g.InW * c;
        if (c == 0 || g.Batch == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var target = scratch.Slice((n * g.OutH + oh) * inRow, inRow);
                target.Clear();
                for (int k = 0; k < rows.Width; k++)
                {
                    float w = rows.Weight[oh * rows.Width + k];
                    if (w != 0f) TensorPrimitives.MultiplyAdd(x.Slice((n * g.InH + rows.Index[oh * rows.Width + k]) * inRow, inRow), w, target, target);
                }
            }
        for (int r = 0; r < g.Batch * g.OutH; r++)
        {
            var source = scratch.Slice(r * inRow, inRow);
            var outRow = y.Slice(r * g.OutW * c, g.OutW * c);
            for (int ow = 0; ow < g.OutW; ow++)
            {
                var target = outRow.Slice(ow * c, c);
                target.Clear();
                for (int k = 0; k < columns.Width; k++)
                {
                    float w = columns.Weight[ow * columns.Width + k];
                    if (w != 0f) AddScaled(target, source.Slice(columns.Index[ow * columns.Width + k] * c, c), w);
                }
            }
        }
    }

    /// <summary>dx += ∂L/∂x given dy (scratch is overwritten).</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, Span<float> scratch, in ResizeGeometry g, ResizeTaps rows, ResizeTaps columns)
    {
        Validate(dx.Length, dy.Length, scratch.Length, g, rows, columns);
        int c = g.Channels, inRow = g.InW * c;
        if (c == 0 || g.Batch == 0) return;
        scratch.Slice(0, ScratchLength(g)).Clear();
        for (int r = 0; r < g.Batch * g.OutH; r++)
        {
            var target = scratch.Slice(r * inRow, inRow);
            var dyRow = dy.Slice(r * g.OutW * c, g.OutW * c);
            for (int ow = 0; ow < g.OutW; ow++)
                for (int k = 0; k < columns.Width; k++)
                {
                    float w = columns.Weight[ow * columns.Width + k];
                    if (w != 0f) AddScaled(target.Slice(columns.Index[ow * columns.Width + k] * c, c), dyRow.Slice(ow * c, c), w);
                }
        }
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var source = scratch.Slice((n * g.OutH + oh) * inRow, inRow);
                for (int k = 0; k < rows.Width; k++)
                {
                    float w = rows.Weight[oh * rows.Width + k];
                    if (w == 0f) continue;
                    var target = dx.Slice((n * g.InH + rows.Index[oh * rows.Width + k]) * inRow, inRow);
                    TensorPrimitives.MultiplyAdd(source, w, target, target);
                }
            }
    }

    /// <summary>target += w·source; a plain loop for the few channels of an image, TensorPrimitives for wide ones.</summary>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float w)
    {
        if (target.Length >= 16)
        {
            TensorPrimitives.MultiplyAdd(source, w, target, target);
            return;
        }
        for (int i = 0; i < target.Length; i++) target[i] += w * source[i];
    }

    private static void Validate(int inputLength, int outputLength, int scratchLength, in ResizeGeometry g, ResizeTaps rows, ResizeTaps columns)
    {
        g.Validate();
        if ((long)g.Batch * g.OutH * g.InW * g.Channels > int.MaxValue)
            throw new ArgumentException($"Resize geometry {g} needs a scratch of more than 2^31 − 1 elements.");
        if (rows.InSize != g.InH || rows.OutSize != g.OutH || columns.InSize != g.InW || columns.OutSize != g.OutW)
            throw new ArgumentException($"Resize taps {rows.InSize}→{rows.OutSize} × {columns.InSize}→{columns.OutSize} do not fit geometry {g}.");
        if (inputLength < g.InputLength || outputLength < g.OutputLength || scratchLength < ScratchLength(g))
            throw new ArgumentException($"Resize buffers of {inputLength}, {outputLength} and {scratchLength} (scratch) elements; geometry {g} needs {g.InputLength}, {g.OutputLength} and {ScratchLength(g)}.");
    }
}
