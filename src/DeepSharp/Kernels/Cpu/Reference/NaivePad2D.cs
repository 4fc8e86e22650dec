namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Pad2DKernel"/>: y[n,oh,ow,c] = x[n, oh − Top, ow − Left, c], zero
/// outside the input; the backward pass adds each output gradient to the input element it came from.
/// </summary>
internal static class NaivePad2D
{
    /// <summary>Writes y.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in Pad2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        int ih = oh - g.Top, iw = ow - g.Left;
                        bool inside = ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
                        y[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c] = inside ? x[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] : 0f;
                    }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in Pad2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        int ih = oh - g.Top, iw = ow - g.Left;
                        if (ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW)
                            dx[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] += dy[((n * g.OutH + oh) * g.OutW + ow) * g.Channels + c];
                    }
    }
}
