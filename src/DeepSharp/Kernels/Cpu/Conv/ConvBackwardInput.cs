namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Convolution input gradient (the general form; 1×1 layers go to <see cref="Gemm"/>, stride 1 with a
/// small padding ring to <see cref="ConvBackwardInputAsForward"/>, strided undilated layers with ≥ 16 input
/// channels to <see cref="ConvBackwardInputPhases"/>): per output pixel, dcol = dy·Wᵀ (a micro-kernel call with the
/// kernel packed transposed, vectorised over the K = KH·KW·Cin taps), then dcol is added back
/// onto the input pixels it came from (col2im). One work item per image, so every dx element is
/// updated by one thread in a fixed order: results do not depend on the thread count.
/// </summary>
internal sealed unsafe class ConvBackwardInput : IParallelBody
{
    private const int Segment = 64; // pixels per tile

    [ThreadStatic] private static ConvBackwardInput? t_instance;

    /// <summary>Sends 1×1 layers down the forward form instead of <see cref="Gemm"/> on the calling thread (checks and probes).</summary>
    [ThreadStatic] public static bool PointwiseGemmDisabled;

    private Conv2DGeometry _g;
    private float* _dy, _wT, _dx;
    private int* _identity, _dyRows, _tapOffsets;
    private int _kp;
    private long _tapMin, _tapMax; // range of the tap offsets (bounds assertions)

    public static void Run(float* dy, float* w, float* dx, in Conv2DGeometry g)
    {
        if (g.OutputLength == 0 || g.InputLength == 0) return;
        if (IsPointwise(g) && !PointwiseGemmDisabled)
        {
            long pixels = (long)g.Batch * g.InH * g.InW;
            Gemm.Multiply(false, true, (int)pixels, g.InC, g.OutC, new ReadOnlySpan<float>(dy, g.OutputLength), g.OutC,
                new ReadOnlySpan<float>(w, g.KernelLength), g.OutC, new Span<float>(dx, g.InputLength), g.InC, accumulate: true);
            return;
        }
        if (ConvBackwardInputAsForward.Applies(g))
        {
            ConvBackwardInputAsForward.Run(dy, w, dx, g);
            return;
        }
        if (ConvBackwardInputPhases.Applies(g))
        {
            ConvBackwardInputPhases.Run(dy, w, dx, g);
            return;
        }
        var body = t_instance ??= new ConvBackwardInput();
        int k = g.KernelH * g.KernelW * g.InC, kp = ConvMicroKernel.Padded(k);
        body._g = g;
        body._dy = dy;
        body._dx = dx;
        body._kp = kp;
        body._wT = Scratch.Floats(Scratch.Packed, (long)g.OutC * kp);
        ConvLayout.PackKernelTransposed(w, k, g.OutC, kp, body._wT);
        body._identity = Scratch.Ints(Scratch.Packed, (long)g.OutC + Segment + k);
        body._dyRows = body._identity + g.OutC;
        body._tapOffsets = body._dyRows + Segment; // tap (kh, kw) → offset from its window's corner
        for (int kh = 0, t = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++, t++)
                body._tapOffsets[t] = (kh * g.DilationH * g.InW + kw * g.DilationW) * g.InC;
        (body._tapMin, body._tapMax) = ConvLayout.TableRange(body._tapOffsets, g.KernelH * g.KernelW);
        for (int r = 0; r < g.OutC; r++) body._identity[r] = r;
        for (int i = 0; i < Segment; i++) body._dyRows[i] = i * g.OutC;
        try { WorkerPool.Shared.For(g.Batch, body); }
        finally { body._dy = body._wT = body._dx = null; }
    }

    /// <summary>
    /// A 1×1 stride-1 unpadded layer: dx (pixels, Cin) += dy (pixels, Cout) · Wᵀ is one matrix product,
    /// run by <see cref="Gemm"/> (packed panels; bit-identical for any thread count). On Zen 5 it took
    /// 4.3–4.5 ms where the forward form took 5.4–5.6 (14×14×128 → 128, batch 128, one thread, shared machine).
    /// </summary>
    public static bool IsPointwise(in Conv2DGeometry g) =>
        g.KernelH == 1 && g.KernelW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadTop == 0 && g.PadLeft == 0
        && g.OutH == g.InH && g.OutW == g.InW;

    public void Execute(int n)
    {
        ref readonly var g = ref _g;
        float* dcol = Scratch.Floats(Scratch.TileA, (long)Segment * _kp);
        float* image = _dx + (long)n * g.InH * g.InW * g.InC;
        var (lo, hi) = ConvLayout.InteriorColumns(g);
        int pixels = g.OutH * g.OutW;
        for (int p0 = 0; p0 < pixels; p0 += Segment)
        {
            int count = Math.Min(Segment, pixels - p0);
            float* dy = _dy + ((long)n * pixels + p0) * g.OutC;
            KernelBounds.Range(((long)n * pixels + p0) * g.OutC, (long)count * g.OutC, g.OutputLength);
            ConvMicroKernel.Run(dy, _dyRows, _identity, g.OutC, _wT, _kp, _kp, dcol, _kp, count, _kp, null, accumulate: false);
            for (int j = 0; j < count; j++)
            {
                int oh = (p0 + j) / g.OutW, ow = (p0 + j) % g.OutW;
                float* src = dcol + j * _kp;
                if (ow >= lo && ow < hi && ConvLayout.RowInterior(g, oh))
                {
                    int at = ((oh * g.StrideH - g.PadTop) * g.InW + ow * g.StrideW - g.PadLeft) * g.InC;
                    KernelBounds.Range(at + _tapMin, _tapMax - _tapMin + g.InC, (long)g.InH * g.InW * g.InC);
                    float* corner = image + at;
                    ConvLayout.Col2ImInterior(src, g.KernelH * g.KernelW, g.InC, _tapOffsets, corner);
                }
                else
                {
                    ConvLayout.Col2ImPixel(src, g, oh, ow, image);
                }
            }
        }
    }
}
