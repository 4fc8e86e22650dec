namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Conv2DTransposeKernel"/>, written as the scatter it is rather than
/// as a convolution's input gradient. The geometry is the convolution's (<see cref="Conv2DTransposeGeometry"/>):
/// the transposed input is (N, g.OutH, g.OutW, g.OutC), its output (N, g.InH, g.InW, g.InC).
/// </summary>
internal static class NaiveConv2DTranspose
{
    /// <summary>
    /// The specification: y[n, ih, iw, f] = bias[f] + Σ over input pixels (oh, ow), taps (kh, kw) with
    /// oh·sh − padTop + kh·dh = ih and ow·sw − padLeft + kw·dw = iw, and channels c of
    /// x[n, oh, ow, c] · w[kh, kw, f, c] — each input pixel scattered through the kernel.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv2DGeometry g)
    {
        var sums = new double[g.InputLength];
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
                            for (int f = 0; f < g.InC; f++)
                                for (int c = 0; c < g.OutC; c++)
                                    sums[((n * g.InH + ih) * g.InW + iw) * g.InC + f] +=
                                        (double)x[((n * g.OutH + oh) * g.OutW + ow) * g.OutC + c] * w[((kh * g.KernelW + kw) * g.InC + f) * g.OutC + c];
                        }
                    }
        for (int i = 0; i < sums.Length; i++) y[i] = (float)(sums[i] + (bias.IsEmpty ? 0.0 : bias[i % g.InC]));
    }

}
