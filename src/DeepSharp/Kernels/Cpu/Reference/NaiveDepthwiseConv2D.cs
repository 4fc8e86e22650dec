namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="DepthwiseConv2DKernel"/>: NHWC input x (N, H, W, C), kernel
/// w (KH, KW, C, M), output (N, OH, OW, C·M):
/// y[n,oh,ow,c·M+m] = bias[c·M+m] + Σ_{kh,kw} x[n, oh·sh − padTop + kh·dh, ow·sw − padLeft + kw·dw, c] · w[kh,kw,c,m],
/// positions outside the input reading as zero. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveDepthwiseConv2D
{
    /// <summary>Writes y. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in DepthwiseConv2DGeometry g)
    {
        int oc = g.OutC;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                        for (int m = 0; m < g.Multiplier; m++)
                        {
                            int o = c * g.Multiplier + m;
                            double sum = bias.IsEmpty ? 0.0 : bias[o];
                            for (int kh = 0; kh < g.KernelH; kh++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                                if ((uint)ih >= (uint)g.InH) continue;
                                for (int kw = 0; kw < g.KernelW; kw++)
                                {
                                    int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                                    if ((uint)iw >= (uint)g.InW) continue;
                                    sum += (double)x[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] * w[(kh * g.KernelW + kw) * oc + o];
                                }
                            }
                            y[((n * g.OutH + oh) * g.OutW + ow) * oc + o] = (float)sum;
                        }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in DepthwiseConv2DGeometry g)
    {
        int oc = g.OutC;
        for (int n = 0; n < g.Batch; n++)
            for (int ih = 0; ih < g.InH; ih++)
                for (int iw = 0; iw < g.InW; iw++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        double sum = 0;
                        for (int oh = 0; oh < g.OutH; oh++)
                            for (int kh = 0; kh < g.KernelH; kh++)
                            {
                                if (oh * g.StrideH - g.PadTop + kh * g.DilationH != ih) continue;
                                for (int ow = 0; ow < g.OutW; ow++)
                                    for (int kw = 0; kw < g.KernelW; kw++)
                                    {
                                        if (ow * g.StrideW - g.PadLeft + kw * g.DilationW != iw) continue;
                                        for (int m = 0; m < g.Multiplier; m++)
                                        {
                                            int o = c * g.Multiplier + m;
                                            sum += (double)dy[((n * g.OutH + oh) * g.OutW + ow) * oc + o] * w[(kh * g.KernelW + kw) * oc + o];
                                        }
                                    }
                            }
                        dx[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] += (float)sum;
                    }
    }

    /// <summary>dw += ∂L/∂w given x and dy.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in DepthwiseConv2DGeometry g)
    {
        int oc = g.OutC;
        for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int c = 0; c < g.Channels; c++)
                    for (int m = 0; m < g.Multiplier; m++)
                    {
                        int o = c * g.Multiplier + m;
                        double sum = 0;
                        for (int n = 0; n < g.Batch; n++)
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                                if ((uint)ih >= (uint)g.InH) continue;
                                for (int ow = 0; ow < g.OutW; ow++)
                                {
                                    int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                                    if ((uint)iw >= (uint)g.InW) continue;
                                    sum += (double)x[((n * g.InH + ih) * g.InW + iw) * g.Channels + c] * dy[((n * g.OutH + oh) * g.OutW + ow) * oc + o];
                                }
                            }
                        dw[(kh * g.KernelW + kw) * oc + o] += (float)sum;
                    }
    }
}
