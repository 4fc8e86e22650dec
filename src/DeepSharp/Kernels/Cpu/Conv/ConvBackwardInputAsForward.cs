namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The input gradient of a stride-1 convolution as a forward convolution ("full" correlation):
/// dx += conv(dy, W′) where W′[kh, kw, co, ci] = W[KH−1−kh, KW−1−kw, ci, co] and dy is read with
/// padding (KH−1)·dilationH − padTop on top and (KW−1)·dilationW − padLeft on the left, so
/// dx[ih, iw, ci] = Σ dy[ih + padTop − kh·dh, iw + padLeft − kw·dw, co] · W[kh, kw, ci, co] — exactly
/// the sum <see cref="ConvBackwardInput"/> scatters. It runs on <see cref="ConvForward"/>'s direct
/// (no im2col in the interior) micro-kernel path, with no col2im pass.
/// </summary>
/// <remarks>
/// Picked (see <see cref="Applies"/>) when the stride is 1, the input channels (the forward's output
/// columns here) fill whole micro-kernel blocks and the padding ring is small; otherwise the scatter
/// form is cheaper (its columns are KH·KW·Cin, and it skips the ring).
/// Work items are bands of dx rows of one image, so every dx element is written by one thread in a
/// fixed order: results do not depend on the thread count.
/// </remarks>
internal static unsafe class ConvBackwardInputAsForward
{
    [ThreadStatic] private static float[]? t_flipped;

    /// <summary>
    /// Whether this form applies to <paramref name="g"/> and is the faster one: stride 1, input channels
    /// a multiple of the micro-kernel's block width, and dx at most 1.25× as many pixels as dy. The
    /// forward form computes every dx pixel over the whole kernel, multiplying the zeros of dy's
    /// padding ring too, so for a 'valid' layer on a small image (13×13 → 11×11: 1.4×) it does more
    /// work than the scatter form saves; measured on Zen 5, it wins at 26×26 → 24×24 (1.17×) and for
    /// 'same' padding (1×) and loses at 13×13 → 11×11 and 10×10 → 8×8.
    /// </summary>
    /// <remarks>
    /// A 3×3 layer whose forward form runs on <see cref="WinogradF23"/> takes this form whatever the
    /// ratio: F(2,3) does 16 products per 2×2 dx tile where the scatter form does 36 per 4 dy pixels, so
    /// it wins even for 13×13 → 11×11 (7×7 tiles against 11×11 pixels: 1.4× fewer products).
    /// </remarks>
    public static bool Applies(in Conv2DGeometry g) =>
        g.StrideH == 1 && g.StrideW == 1 && g.InC > 0
        && (g.KernelH - 1L) * g.DilationH >= g.PadTop && (g.KernelW - 1L) * g.DilationW >= g.PadLeft
        && ((g.InC % ConvMicroKernel.BlockWidth == 0 && 4L * g.InH * g.InW <= 5L * g.OutH * g.OutW)
            || WinogradF23.Applies(TransposedGeometry(g))
            || (ConvPixelRows512.Applies(TransposedGeometry(g)) && 4L * g.InH * g.InW <= 5L * g.OutH * g.OutW));

    /// <summary>dx += ∂L/∂x given dy (see <see cref="Applies"/> for when it may be called).</summary>
    public static void Run(float* dy, float* w, float* dx, in Conv2DGeometry g)
    {
        var full = TransposedGeometry(g);
        full.Validate();
        int cin = g.InC, cout = g.OutC, kh = g.KernelH, kw = g.KernelW;
        long length = (long)g.KernelLength;
        if (t_flipped is null || t_flipped.Length < length) t_flipped = GC.AllocateArray<float>((int)length, pinned: true);
        fixed (float* flipped = t_flipped)
        {
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    float* src = w + ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout; // (ci, co) block of tap (KH−1−i, KW−1−j)
                    float* dst = flipped + (i * kw + j) * cout * cin;                   // (co, ci) block of tap (i, j)
                    for (int ci = 0; ci < cin; ci++)
                        for (int co = 0; co < cout; co++)
                            dst[co * cin + ci] = src[ci * cout + co];
                }
            ConvForward.Run(dy, flipped, null, dx, full, relu: false, accumulate: true);
        }
    }

    /// <summary>The forward geometry over dy that produces dx (stride 1; see the class remarks).</summary>
    public static Conv2DGeometry TransposedGeometry(in Conv2DGeometry g) => new(
        g.Batch, g.OutH, g.OutW, g.OutC, g.InC, g.KernelH, g.KernelW, 1, 1,
        (g.KernelH - 1) * g.DilationH - g.PadTop, (g.KernelW - 1) * g.DilationW - g.PadLeft,
        g.InH, g.InW, g.DilationH, g.DilationW);
}
