namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Conv2DKernel"/>: NHWC input, (KH, KW, Cin, Cout) kernel.
/// y[n,oh,ow,co] = bias[co] + Σ x[n, oh·sh − padTop + kh·dh, ow·sw − padLeft + kw·dw, ci] · w[kh,kw,ci,co],
/// where positions outside the input read as zero. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveConv2D
{
    /// <summary>Writes y. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int co = 0; co < g.OutC; co++)
                    {
                        double sum = bias.IsEmpty ? 0.0 : bias[co];
                        for (int kh = 0; kh < g.KernelH; kh++)
                        {
                            int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                            if ((uint)ih >= (uint)g.InH) continue;
                            for (int kw = 0; kw < g.KernelW; kw++)
                            {
                                int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                                if ((uint)iw >= (uint)g.InW) continue;
                                for (int ci = 0; ci < g.InC; ci++)
                                    sum += (double)x[((n * g.InH + ih) * g.InW + iw) * g.InC + ci]
                                         * w[((kh * g.KernelW + kw) * g.InC + ci) * g.OutC + co];
                            }
                        }
                        y[((n * g.OutH + oh) * g.OutW + ow) * g.OutC + co] = (float)sum;
                    }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv2DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int kh = 0; kh < g.KernelH; kh++)
                    {
                        int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                        if ((uint)ih >= (uint)g.InH) continue;
                        for (int kw = 0; kw < g.KernelW; kw++)
                        {
                            int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                            if ((uint)iw >= (uint)g.InW) continue;
                            for (int ci = 0; ci < g.InC; ci++)
                            {
                                double sum = 0;
                                for (int co = 0; co < g.OutC; co++)
                                    sum += (double)dy[((n * g.OutH + oh) * g.OutW + ow) * g.OutC + co]
                                         * w[((kh * g.KernelW + kw) * g.InC + ci) * g.OutC + co];
                                dx[((n * g.InH + ih) * g.InW + iw) * g.InC + ci] += (float)sum;
                            }
                        }
                    }
    }

    /// <summary>dw += ∂L/∂w given x and dy.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv2DGeometry g)
    {
        for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++)
                    for (int co = 0; co < g.OutC; co++)
                    {
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
                                    sum += (double)x[((n * g.InH + ih) * g.InW + iw) * g.InC + ci]
                                         * dy[((n * g.OutH + oh) * g.OutW + ow) * g.OutC + co];
                                }
                            }
                        dw[((kh * g.KernelW + kw) * g.InC + ci) * g.OutC + co] += (float)sum;
                    }
    }
}
