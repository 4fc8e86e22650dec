namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="Conv3DTransposeKernel"/>, written as the scatter it is rather than as a
/// convolution's input gradient. The geometry is the convolution's (<see cref="Conv3DTransposeGeometry"/>): the
/// transposed input x is (N, g.OutD, g.OutH, g.OutW, g.OutC), its output y (N, g.InD, g.InH, g.InW, g.InC), the
/// kernel w (KD, KH, KW, g.InC, g.OutC).
/// y[n, o, f] = bias[f] + Σ over input voxels i, taps k with o = i·s − pad + k·dilation (per axis) and channels c of
/// x[n, i, c] · w[k, f, c]. Backward passes accumulate (+=), in doubles.
/// </summary>
internal static class NaiveConv3DTranspose
{
    /// <summary>Writes y. An empty <paramref name="bias"/> means no bias.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, in Conv3DGeometry g)
    {
        var sums = new double[g.InputLength];
        for (int n = 0; n < g.Batch; n++)
            for (int id = 0; id < g.OutD; id++)
                for (int ih = 0; ih < g.OutH; ih++)
                    for (int iw = 0; iw < g.OutW; iw++)
                        for (int kd = 0; kd < g.KernelD; kd++)
                            for (int kh = 0; kh < g.KernelH; kh++)
                                for (int kw = 0; kw < g.KernelW; kw++)
                                {
                                    if (OutputIndex(g, n, id, ih, iw, kd, kh, kw) is not { } o) continue;
                                    for (int f = 0; f < g.InC; f++)
                                        for (int c = 0; c < g.OutC; c++)
                                            sums[o + f] += (double)x[InputIndex(g, n, id, ih, iw) + c] * w[WeightIndex(g, kd, kh, kw, f, c)];
                                }
        for (int i = 0; i < sums.Length; i++) y[i] = (float)(sums[i] + (bias.IsEmpty ? 0.0 : bias[i % g.InC]));
    }

    /// <summary>dx += ∂L/∂x given dy: dx[n, i, c] gathers dy[n, o, f] · w[k, f, c] over the voxels o its taps reach.</summary>
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in Conv3DGeometry g)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int id = 0; id < g.OutD; id++)
                for (int ih = 0; ih < g.OutH; ih++)
                    for (int iw = 0; iw < g.OutW; iw++)
                        for (int c = 0; c < g.OutC; c++)
                        {
                            double sum = 0;
                            for (int kd = 0; kd < g.KernelD; kd++)
                                for (int kh = 0; kh < g.KernelH; kh++)
                                    for (int kw = 0; kw < g.KernelW; kw++)
                                    {
                                        if (OutputIndex(g, n, id, ih, iw, kd, kh, kw) is not { } o) continue;
                                        for (int f = 0; f < g.InC; f++)
                                            sum += (double)dy[o + f] * w[WeightIndex(g, kd, kh, kw, f, c)];
                                    }
                            dx[InputIndex(g, n, id, ih, iw) + c] += (float)sum;
                        }
    }

    /// <summary>dw += ∂L/∂w given x and dy: dw[k, f, c] = Σ over samples and input voxels of x[n, i, c] · dy[n, o(i, k), f].</summary>
    public static void BackwardKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, in Conv3DGeometry g)
    {
        for (int kd = 0; kd < g.KernelD; kd++)
            for (int kh = 0; kh < g.KernelH; kh++)
                for (int kw = 0; kw < g.KernelW; kw++)
                    for (int f = 0; f < g.InC; f++)
                        for (int c = 0; c < g.OutC; c++)
                        {
                            double sum = 0;
                            for (int n = 0; n < g.Batch; n++)
                                for (int id = 0; id < g.OutD; id++)
                                    for (int ih = 0; ih < g.OutH; ih++)
                                        for (int iw = 0; iw < g.OutW; iw++)
                                            if (OutputIndex(g, n, id, ih, iw, kd, kh, kw) is { } o)
                                                sum += (double)x[InputIndex(g, n, id, ih, iw) + c] * dy[o + f];
                            dw[WeightIndex(g, kd, kh, kw, f, c)] += (float)sum;
                        }
    }

    /// <summary>The flat index of channel 0 of the output voxel that input voxel (n, id, ih, iw) reaches through tap (kd, kh, kw), or null outside.</summary>
    private static int? OutputIndex(in Conv3DGeometry g, int n, int id, int ih, int iw, int kd, int kh, int kw)
    {
        int od = id * g.StrideD - g.PadFront + kd * g.DilationD;
        int oh = ih * g.StrideH - g.PadTop + kh * g.DilationH;
        int ow = iw * g.StrideW - g.PadLeft + kw * g.DilationW;
        if ((uint)od >= (uint)g.InD || (uint)oh >= (uint)g.InH || (uint)ow >= (uint)g.InW) return null;
        return (((n * g.InD + od) * g.InH + oh) * g.InW + ow) * g.InC;
    }

    private static int InputIndex(in Conv3DGeometry g, int n, int id, int ih, int iw) => (((n * g.OutD + id) * g.OutH + ih) * g.OutW + iw) * g.OutC;

    private static int WeightIndex(in Conv3DGeometry g, int kd, int kh, int kw, int f, int c) => (((kd * g.KernelH + kh) * g.KernelW + kw) * g.InC + f) * g.OutC + c;
}
