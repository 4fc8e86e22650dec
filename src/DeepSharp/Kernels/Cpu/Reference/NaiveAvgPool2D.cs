namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="AvgPool2DKernel"/>. Each output is the mean of the input
/// elements its window covers; padding is never counted (Keras "same": count_include_pad=False).
/// A window that covers no input element gives 0. Backward accumulates (+=).
/// </summary>
internal static class NaiveAvgPool2D
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in Pool2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        float sum = 0f;
                        int count = 0;
                        for (int kh = 0; kh < g.PoolH; kh++)
                        {
                            int ih = oh * g.StrideH - g.PadTop + kh;
                            if ((uint)ih >= (uint)g.InH) continue;
                            for (int kw = 0; kw < g.PoolW; kw++)
                            {
                                int iw = ow * g.StrideW - g.PadLeft + kw;
                                if ((uint)iw >= (uint)g.InW) continue;
                                sum += x[((n * g.InH + ih) * g.InW + iw) * g.Channels + c];
                                count++;
                            }
                        }
                        y[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c] = count == 0 ? 0f : sum / count;
                    }
    }

    /// <summary>dx[e] += dy[o] / count(o) for every input element e in window o.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in Pool2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    int count = WindowCount(g, oh, ow);
                    for (int c = 0; c < g.Channels; c++)
                    {
                        if (count == 0) continue;
                        float share = dy[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c] / count;
                        for (int kh = 0; kh < g.PoolH; kh++)
                        {
                            int ih = oh * g.StrideH - g.PadTop + kh;
                            if ((uint)ih >= (uint)g.InH) continue;
                            for (int kw = 0; kw < g.PoolW; kw++)
                            {
                                int iw = ow * g.StrideW - g.PadLeft + kw;
                                if ((uint)iw >= (uint)g.InW) continue;
                                dx[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] += share;
                            }
                        }
                    }
                }
    }

    /// <summary>How many input elements the window at (oh, ow) covers.</summary>
    public static int WindowCount(in Pool2DGeometry g, int oh, int ow)
    {
        int h0 = Math.Max(oh * g.StrideH - g.PadTop, 0), h1 = Math.Min(oh * g.StrideH - g.PadTop + g.PoolH, g.InH);
        int w0 = Math.Max(ow * g.StrideW - g.PadLeft, 0), w1 = Math.Min(ow * g.StrideW - g.PadLeft + g.PoolW, g.InW);
        return Math.Max(h1 - h0, 0) * Math.Max(w1 - w0, 0);
    }
}
