using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// NHWC average pooling; see <see cref="NaiveAvgPool2D"/> for the contract (padding is not
/// counted). Vectorised over the channel axis: each window adds whole channel rows, in the same
/// (kh, kw) order as the twin, then scales by 1/count (the twin divides; results agree to an ulp).
/// </summary>
internal static class AvgPool2DKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in Pool2DGeometry g)
    {
        Validate(x.Length, y.Length, g);
        int c = g.Channels;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var row = y.Slice(((n * g.OutH + oh) * g.OutW + ow) * c, c);
                    row.Clear();
                    int h0 = Math.Max(oh * g.StrideH - g.PadTop, 0), h1 = Math.Min(oh * g.StrideH - g.PadTop + g.PoolH, g.InH);
                    int w0 = Math.Max(ow * g.StrideW - g.PadLeft, 0), w1 = Math.Min(ow * g.StrideW - g.PadLeft + g.PoolW, g.InW);
                    int count = Math.Max(h1 - h0, 0) * Math.Max(w1 - w0, 0);
                    if (count == 0 || c == 0) continue;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                            TensorPrimitives.Add(row, x.Slice(((n * g.InH + ih) * g.InW + iw) * c, c), row);
                    TensorPrimitives.Divide(row, count, row);
                }
    }

    /// <summary>dx += each window's dy / count, spread over the window's input elements.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in Pool2DGeometry g)
    {
        Validate(dx.Length, dy.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        Span<float> share = c <= 256 ? stackalloc float[c] : new float[c];
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    int h0 = Math.Max(oh * g.StrideH - g.PadTop, 0), h1 = Math.Min(oh * g.StrideH - g.PadTop + g.PoolH, g.InH);
                    int w0 = Math.Max(ow * g.StrideW - g.PadLeft, 0), w1 = Math.Min(ow * g.StrideW - g.PadLeft + g.PoolW, g.InW);
                    int count = Math.Max(h1 - h0, 0) * Math.Max(w1 - w0, 0);
                    if (count == 0) continue;
                    TensorPrimitives.Divide(dy.Slice(((n * g.OutH + oh) * g.OutW + ow) * c, c), count, share);
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++)
                        {
                            var target = dx.Slice(((n * g.InH + ih) * g.InW + iw) * c, c);
                            TensorPrimitives.Add(target, share, target);
                        }
                }
    }

    private static void Validate(int inputLength, int outputLength, in Pool2DGeometry g)
    {
        g.Validate();
        if (inputLength < g.InputLength || outputLength < g.OutputLength)
            throw new ArgumentException($"Pooling buffers of {inputLength} and {outputLength} elements; geometry {g} needs {g.InputLength} and {g.OutputLength}.");
    }
}
