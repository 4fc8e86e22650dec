namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="ResizeKernel"/> (TensorFlow's resize without antialiasing, half-pixel centres).
/// Along each axis, with scale = in/out in float: nearest reads min(⌊(o + ½)·scale⌋, in − 1); bilinear reads
/// s = max((o + ½)·scale − ½, 0) between ⌊s⌋ and min(⌊s⌋ + 1, in − 1), weight s − ⌊s⌋ on the second, rows first then
/// columns. One element at a time, in double. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveResize
{
    private static int Index(in ResizeGeometry g, int n, int h, int w, int c, bool output) =>
        output ? ((n * g.OutH + h) * g.OutW + w) * g.Channels + c : ((n * g.InH + h) * g.InW + w) * g.Channels + c;

    private static (int I0, int I1, float Weight) Tap(int o, int size, int outSize)
    {
        float s = (o + 0.5f) * ((float)size / outSize) - 0.5f;
        if (s < 0f) s = 0f;
        int i0 = (int)MathF.Floor(s);
        if (i0 > size - 1) i0 = size - 1;
        return (i0, i0 + 1 < size ? i0 + 1 : size - 1, s - i0);
    }

    private static int Nearest(int o, int size, int outSize)
    {
        int i = (int)MathF.Floor((o + 0.5f) * ((float)size / outSize));
        return i < size ? i : size - 1;
    }

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in ResizeGeometry g, bool bilinear)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        if (!bilinear)
                        {
                            y[Index(g, n, oh, ow, c, true)] = x[Index(g, n, Nearest(oh, g.InH, g.OutH), Nearest(ow, g.InW, g.OutW), c, false)];
                            continue;
                        }
                        var (h0, h1, fh) = Tap(oh, g.InH, g.OutH);
                        var (w0, w1, fw) = Tap(ow, g.InW, g.OutW);
                        double top = (1 - fw) * (double)x[Index(g, n, h0, w0, c, false)] + fw * (double)x[Index(g, n, h0, w1, c, false)];
                        double bottom = (1 - fw) * (double)x[Index(g, n, h1, w0, c, false)] + fw * (double)x[Index(g, n, h1, w1, c, false)];
                        y[Index(g, n, oh, ow, c, true)] = (float)((1 - fh) * top + fh * bottom);
                    }
    }

    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in ResizeGeometry g, bool bilinear)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        float d = dy[Index(g, n, oh, ow, c, true)];
                        if (!bilinear)
                        {
                            dx[Index(g, n, Nearest(oh, g.InH, g.OutH), Nearest(ow, g.InW, g.OutW), c, false)] += d;
                            continue;
                        }
                        var (h0, h1, fh) = Tap(oh, g.InH, g.OutH);
                        var (w0, w1, fw) = Tap(ow, g.InW, g.OutW);
                        dx[Index(g, n, h0, w0, c, false)] += (1 - fh) * (1 - fw) * d;
                        dx[Index(g, n, h0, w1, c, false)] += (1 - fh) * fw * d;
                        dx[Index(g, n, h1, w0, c, false)] += fh * (1 - fw) * d;
                        dx[Index(g, n, h1, w1, c, false)] += fh * fw * d;
                    }
    }
}
