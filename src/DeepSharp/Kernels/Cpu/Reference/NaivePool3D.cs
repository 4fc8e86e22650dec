namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="MaxPool3DKernel"/> and <see cref="AvgPool3DKernel"/> over (N, D, H, W, C).
/// Max: each output is the maximum of its window's input elements (padding never wins); <c>argmax</c>
/// holds the flat input index of the first maximum in scan order (kd, kh, kw), or −1 for a window
/// with no input element; backward routes each output gradient to that one element.
/// Average: each output is the mean of its window's input elements only (padding is not counted,
/// as in Keras); backward spreads dy/count over them. Backward passes accumulate (+=).
/// </summary>
internal static class NaivePool3D
{
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, in Pool3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int od = 0; od < g.OutD; od++)
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                        for (int c = 0; c < g.Channels; c++)
                        {
                            float best = float.NegativeInfinity;
                            int bestIndex = -1;
                            for (int kd = 0; kd < g.PoolD; kd++)
                                for (int kh = 0; kh < g.PoolH; kh++)
                                    for (int kw = 0; kw < g.PoolW; kw++)
                                    {
                                        if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is not { } i) continue;
                                        if (bestIndex < 0 || x[i + c] > best)
                                        {
                                            best = x[i + c];
                                            bestIndex = i + c;
                                        }
                                    }
                            int o = OutputIndex(g, n, od, oh, ow) + c;
                            y[o] = bestIndex < 0 ? 0f : best;
                            argmax[o] = bestIndex;
                        }
    }

    /// <summary>dx[argmax[i]] += dy[i].</summary>
    public static void MaxBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        for (int i = 0; i < dy.Length; i++)
            if (argmax[i] >= 0) dx[argmax[i]] += dy[i];
    }

    public static void AvgForward(ReadOnlySpan<float> x, Span<float> y, in Pool3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int od = 0; od < g.OutD; od++)
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                        for (int c = 0; c < g.Channels; c++)
                        {
                            double sum = 0;
                            int count = 0;
                            for (int kd = 0; kd < g.PoolD; kd++)
                                for (int kh = 0; kh < g.PoolH; kh++)
                                    for (int kw = 0; kw < g.PoolW; kw++)
                                        if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is { } i)
                                        {
                                            sum += x[i + c];
                                            count++;
                                        }
                            y[OutputIndex(g, n, od, oh, ow) + c] = count == 0 ? 0f : (float)(sum / count);
                        }
    }

    /// <summary>dx += each window's dy / count, spread over the window's input elements.</summary>
    public static void AvgBackward(ReadOnlySpan<float> dy, Span<float> dx, in Pool3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int od = 0; od < g.OutD; od++)
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        int count = 0;
                        for (int kd = 0; kd < g.PoolD; kd++)
                            for (int kh = 0; kh < g.PoolH; kh++)
                                for (int kw = 0; kw < g.PoolW; kw++)
                                    if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is not null) count++;
                        for (int kd = 0; kd < g.PoolD; kd++)
                            for (int kh = 0; kh < g.PoolH; kh++)
                                for (int kw = 0; kw < g.PoolW; kw++)
                                    if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is { } i)
                                        for (int c = 0; c < g.Channels; c++)
                                            dx[i + c] += dy[OutputIndex(g, n, od, oh, ow) + c] / count;
                    }
    }

    private static int? InputIndex(in Pool3DGeometry g, int n, int od, int oh, int ow, int kd, int kh, int kw)
    {
        int id = od * g.StrideD - g.PadFront + kd, ih = oh * g.StrideH - g.PadTop + kh, iw = ow * g.StrideW - g.PadLeft + kw;
        if ((uint)id >= (uint)g.InD || (uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) return null;
        return (((n * g.InD + id) * g.InH + ih) * g.InW + iw) * g.Channels;
    }

    private static int OutputIndex(in Pool3DGeometry g, int n, int od, int oh, int ow) =>
        (((n * g.OutD + od) * g.OutH + oh) * g.OutW + ow) * g.Channels;
}
