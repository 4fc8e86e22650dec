namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="UpSampling2DKernel"/>. Nearest: y[n,oh,ow,c] = x[n, ⌊oh/fh⌋, ⌊ow/fw⌋, c]
/// (Keras's repeat). Bilinear with half-pixel centres: along each axis the source position is
/// s = max((o + ½)/f − ½, 0), read between ⌊s⌋ and min(⌊s⌋ + 1, size − 1) with weight s − ⌊s⌋ on the second.
/// Backward passes accumulate (+=).
/// </summary>
internal static class NaiveUpSampling2D
{
    public static void NearestForward(ReadOnlySpan<float> x, Span<float> y, in UpSampling2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                        y[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c] = x[((n * g.InH + oh / g.FactorH) * g.InW + ow / g.FactorW) * g.Channels + c];
    }

    public static void NearestBackward(ReadOnlySpan<float> dy, Span<float> dx, in UpSampling2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                        dx[((n * g.InH + oh / g.FactorH) * g.InW + ow / g.FactorW) * g.Channels + c] += dy[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c];
    }

    public static void BilinearForward(ReadOnlySpan<float> x, Span<float> y, in UpSampling2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (h0, h1, fh) = Tap(oh, g.FactorH, g.InH);
                    var (w0, w1, fw) = Tap(ow, g.FactorW, g.InW);
                    for (int c = 0; c < g.Channels; c++)
                    {
                        double top = (1 - fw) * x[Index(g, n, h0, w0, c)] + fw * x[Index(g, n, h0, w1, c)];
                        double bottom = (1 - fw) * x[Index(g, n, h1, w0, c)] + fw * x[Index(g, n, h1, w1, c)];
                        y[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c] = (float)((1 - fh) * top + fh * bottom);
                    }
                }
    }

    public static void BilinearBackward(ReadOnlySpan<float> dy, Span<float> dx, in UpSampling2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (h0, h1, fh) = Tap(oh, g.FactorH, g.InH);
                    var (w0, w1, fw) = Tap(ow, g.FactorW, g.InW);
                    for (int c = 0; c < g.Channels; c++)
                    {
                        double d = dy[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c];
                        dx[Index(g, n, h0, w0, c)] += (float)(d * (1 - fh) * (1 - fw));
                        dx[Index(g, n, h0, w1, c)] += (float)(d * (1 - fh) * fw);
                        dx[Index(g, n, h1, w0, c)] += (float)(d * fh * (1 - fw));
                        dx[Index(g, n, h1, w1, c)] += (float)(d * fh * fw);
                    }
                }
    }

    private static int Index(in UpSampling2DGeometry g, int n, int h, int w, int c) => ((n * g.InH + h) * g.InW + w) * g.Channels + c;

    private static (int I0, int I1, double Weight) Tap(int o, int factor, int size)
    {
        double s = (o + 0.5) / factor - 0.5;
        if (s < 0) s = 0;
        int i0 = (int)Math.Floor(s);
        if (i0 > size - 1) i0 = size - 1;
        return (i0, i0 + 1 < size ? i0 + 1 : size - 1, s - i0);
    }
}
