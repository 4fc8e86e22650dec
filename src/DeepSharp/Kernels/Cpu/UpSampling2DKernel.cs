using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Upsampling of NHWC images by whole factors, nearest (Keras's repeat) or bilinear (half-pixel
/// centres, as TensorFlow's resize); see <see cref="NaiveUpSampling2D"/> for the contract. Each
/// output pixel is whole channel rows: copies for nearest (one output row is built, then copied
/// FactorH − 1 times), weighted sums of four rows for bilinear (TensorPrimitives, every vector width).
/// </summary>
internal static class UpSampling2DKernel
{
    /// <summary>Writes y.</summary>
    public static void NearestForward(ReadOnlySpan<float> x, Span<float> y, in UpSampling2DGeometry g)
    {
        Validate(x.Length, y.Length, g);
        int c = g.Channels, rowOut = g.OutW * c;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int ih = 0; ih < g.InH; ih++)
            {
                var first = y.Slice((n * g.OutH + ih * g.FactorH) * rowOut, rowOut);
                var xRow = x.Slice((n * g.InH + ih) * g.InW * c, g.InW * c);
                for (int ow = 0; ow < g.OutW; ow++) xRow.Slice(ow / g.FactorW * c, c).CopyTo(first.Slice(ow * c, c));
                for (int r = 1; r < g.FactorH; r++) first.CopyTo(y.Slice((n * g.OutH + ih * g.FactorH + r) * rowOut, rowOut));
            }
    }

    /// <summary>dx += ∂L/∂x given dy: each input pixel gathers its FactorH × FactorW block.</summary>
    public static void NearestBackward(ReadOnlySpan<float> dy, Span<float> dx, in UpSampling2DGeometry g)
    {
        Validate(dx.Length, dy.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var dxRow = dx.Slice((n * g.InH + oh / g.FactorH) * g.InW * c, g.InW * c);
                var dyRow = dy.Slice((n * g.OutH + oh) * g.OutW * c, g.OutW * c);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var target = dxRow.Slice(ow / g.FactorW * c, c);
                    TensorPrimitives.Add(target, dyRow.Slice(ow * c, c), target);
                }
            }
    }

    /// <summary>Writes y.</summary>
    public static void BilinearForward(ReadOnlySpan<float> x, Span<float> y, in UpSampling2DGeometry g)
    {
        Validate(x.Length, y.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1, fh) = UpSampling2DGeometry.BilinearTap(oh, g.FactorH, g.InH);
                var row0 = x.Slice((n * g.InH + h0) * g.InW * c, g.InW * c);
                var row1 = x.Slice((n * g.InH + h1) * g.InW * c, g.InW * c);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1, fw) = UpSampling2DGeometry.BilinearTap(ow, g.FactorW, g.InW);
                    var target = y.Slice(((n * g.OutH + oh) * g.OutW + ow) * c, c);
                    TensorPrimitives.Multiply(row0.Slice(w0 * c, c), (1 - fh) * (1 - fw), target);
                    TensorPrimitives.MultiplyAdd(row0.Slice(w1 * c, c), (1 - fh) * fw, target, target);
                    TensorPrimitives.MultiplyAdd(row1.Slice(w0 * c, c), fh * (1 - fw), target, target);
                    TensorPrimitives.MultiplyAdd(row1.Slice(w1 * c, c), fh * fw, target, target);
                }
            }
    }

    /// <summary>dx += ∂L/∂x given dy: each output gradient goes to its four source pixels with their weights.</summary>
    public static void BilinearBackward(ReadOnlySpan<float> dy, Span<float> dx, in UpSampling2DGeometry g)
    {
        Validate(dx.Length, dy.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1, fh) = UpSampling2DGeometry.BilinearTap(oh, g.FactorH, g.InH);
                var row0 = dx.Slice((n * g.InH + h0) * g.InW * c, g.InW * c);
                var row1 = dx.Slice((n * g.InH + h1) * g.InW * c, g.InW * c);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1, fw) = UpSampling2DGeometry.BilinearTap(ow, g.FactorW, g.InW);
                    var d = dy.Slice(((n * g.OutH + oh) * g.OutW + ow) * c, c);
                    AddScaled(row0.Slice(w0 * c, c), d, (1 - fh) * (1 - fw));
                    AddScaled(row0.Slice(w1 * c, c), d, (1 - fh) * fw);
                    AddScaled(row1.Slice(w0 * c, c), d, fh * (1 - fw));
                    AddScaled(row1.Slice(w1 * c, c), d, fh * fw);
                }
            }
    }

    private static void AddScaled(Span<float> target, ReadOnlySpan<float> d, float weight)
    {
        if (weight != 0f) TensorPrimitives.MultiplyAdd(d, weight, target, target);
    }

    private static void Validate(int inputLength, int outputLength, in UpSampling2DGeometry g)
    {
        g.Validate();
        if (inputLength < g.InputLength || outputLength < g.OutputLength)
            throw new ArgumentException($"Upsampling buffers of {inputLength} and {outputLength} elements; geometry {g} needs {g.InputLength} and {g.OutputLength}.");
    }
}
