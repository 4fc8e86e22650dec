namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Conv3DKernel"/>: (N, D, H, W, Cin) input, (KD, KH, KW, Cin/G, Cout) kernel,
/// G groups (output channel co belongs to group g = co / (Cout/G) and sees input channels g·Cin/G … (g+1)·Cin/G − 1).
/// y[n,od,oh,ow,co] = bias[co] + Σ x[n, od·sd − padFront + kd·dd, oh·sh − padTop + kh·dh, ow·sw − padLeft + kw·dw, g·Cin/G + ci]
/// · w[kd,kh,kw,ci,co], where positions outside the input read as zero. Backward passes accumulate (+=).
/// </summary>
internal static class NaiveConv3D
{
    /// <summary>Writes y. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int od = 0; od < g.OutD; od++)
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                        for (int co = 0; co < g.OutC; co++)
                        {
                            double sum = bias.IsEmpty ? 0.0 : bias[co];
                            int c0 = co / g.GroupOutC * g.GroupInC;
                            for (int kd = 0; kd < g.KernelD; kd++)
                                for (int kh = 0; kh < g.KernelH; kh++)
                                    for (int kw = 0; kw < g.KernelW; kw++)
                                    {
                                        if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is not { } i) continue;
                                        for (int ci = 0; ci < g.GroupInC; ci++)
                                            sum += (double)x[i + c0 + ci] * w[WeightIndex(g, kd, kh, kw, ci, co)];
                                    }
                            y[OutputIndex(g, n, od, oh, ow, co)] = (float)sum;
                        }
    }

    /// <summary>dx += ∂L/∂x given dy.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int od = 0; od < g.OutD; od++)
                for (int oh = 0; oh < g.OutH; oh++)
                    for (int ow = 0; ow < g.OutW; ow++)
                        for (int kd = 0; kd < g.KernelD; kd++)
                            for (int kh = 0; kh < g.KernelH; kh++)
                                for (int kw = 0; kw < g.KernelW; kw++)
                                {
                                    if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is not { } i) continue;
                                    for (int group = 0; group < g.Groups; group++)
                                        for (int ci = 0; ci < g.GroupInC; ci++)
                                        {
                                            double sum = 0;
                                            for (int j = 0; j < g.GroupOutC; j++)
                                            {
                                                int co = group * g.GroupOutC + j;
                                                sum += (double)dy[OutputIndex(g, n, od, oh, ow, co)] * w[WeightIndex(g, kd, kh, kw, ci, co)];
                                            }
                                            dx[i + group * g.GroupInC + ci] += (float)sum;
                                        }
                                }
    }

    /// <summary>dw += ∂L/∂w given x and dy.</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv3DGeometry g)
    {
        for (int kd = 0; kd < g.KernelD; kd++)
            for (int kh = 0; kh < g.KernelH; kh++)
                for (int kw = 0; kw < g.KernelW; kw++)
                    for (int ci = 0; ci < g.GroupInC; ci++)
                        for (int co = 0; co < g.OutC; co++)
                        {
                            int c = co / g.GroupOutC * g.GroupInC + ci;
                            double sum = 0;
                            for (int n = 0; n < g.Batch; n++)
                                for (int od = 0; od < g.OutD; od++)
                                    for (int oh = 0; oh < g.OutH; oh++)
                                        for (int ow = 0; ow < g.OutW; ow++)
                                            if (InputIndex(g, n, od, oh, ow, kd, kh, kw) is { } i)
                                                sum += (double)x[i + c] * dy[OutputIndex(g, n, od, oh, ow, co)];
                            dw[WeightIndex(g, kd, kh, kw, ci, co)] += (float)sum;
                        }
    }

    /// <summary>The flat index of channel 0 of the input voxel tap (kd, kh, kw) of output (n, od, oh, ow) reads, or null in the padding.</summary>
    private static int? InputIndex(in Conv3DGeometry g, int n, int od, int oh, int ow, int kd, int kh, int kw)
    {
        int id = od * g.StrideD - g.PadFront + kd * g.DilationD;
        int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
        int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
        if ((uint)id >= (uint)g.InD || (uint)ih >= (uint)g.InH || (uint)iw >= (uint)g.InW) return null;
        return (((n * g.InD + id) * g.InH + ih) * g.InW + iw) * g.InC;
    }

    private static int OutputIndex(in Conv3DGeometry g, int n, int od, int oh, int ow, int co) =>
        (((n * g.OutD + od) * g.OutH + oh) * g.OutW + ow) * g.OutC + co;

    private static int WeightIndex(in Conv3DGeometry g, int kd, int kh, int kw, int ci, int co) =>
        (((kd * g.KernelH + kh) * g.KernelW + kw) * g.GroupInC + ci) * g.OutC + co;
}
