using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Zero padding and cropping of NHWC images (<see cref="Pad2DGeometry"/>); see
/// <see cref="NaivePad2D"/> for the contract. Within an output row the pixels that come from the
/// input are one contiguous run of (columns · channels) values, so each row is one copy (or, backward,
/// one vector add) plus the zeroed margins.
/// </summary>
internal static class Pad2DKernel
{
    /// <summary>Writes y.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in Pad2DGeometry g)
    {
        Validate(x.Length, y.Length, g);
        int c = g.Channels, rowIn = g.InW * c, rowOut = g.OutW * c;
        var (w0, w1) = Columns(g);
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var row = y.Slice((n * g.OutH + oh) * rowOut, rowOut);
                int ih = oh - g.Top;
                if ((uint)ih >= (uint)g.InH || w1 <= w0)
                {
                    row.Clear();
                    continue;
                }
                row[..(w0 * c)].Clear();
                x.Slice((n * g.InH + ih) * rowIn + (w0 - g.Left) * c, (w1 - w0) * c).CopyTo(row[(w0 * c)..]);
                row[(w1 * c)..].Clear();
            }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in Pad2DGeometry g)
    {
        Validate(dx.Length, dy.Length, g);
        int c = g.Channels, rowIn = g.InW * c, rowOut = g.OutW * c;
        var (w0, w1) = Columns(g);
        if (w1 <= w0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                int ih = oh - g.Top;
                if ((uint)ih >= (uint)g.InH) continue;
                var target = dx.Slice((n * g.InH + ih) * rowIn + (w0 - g.Left) * c, (w1 - w0) * c);
                TensorPrimitives.Add(target, dy.Slice((n * g.OutH + oh) * rowOut + w0 * c, (w1 - w0) * c), target);
            }
    }

    /// <summary>The output columns [w0, w1) that read input columns (empty when w1 ≤ w0).</summary>
    private static (int W0, int W1) Columns(in Pad2DGeometry g) =>
        ((int)Math.Clamp((long)g.Left, 0, g.OutW), (int)Math.Clamp((long)g.InW + g.Left, 0, g.OutW));

    private static void Validate(int inputLength, int outputLength, in Pad2DGeometry g)
    {
        g.Validate();
        if (inputLength < g.InputLength || outputLength < g.OutputLength)
            throw new ArgumentException($"Padding buffers of {inputLength} and {outputLength} elements; geometry {g} needs {g.InputLength} and {g.OutputLength}.");
    }
}
