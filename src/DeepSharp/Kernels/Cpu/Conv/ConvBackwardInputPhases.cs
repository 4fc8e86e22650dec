using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The input gradient of a strided, undilated convolution as stride-1 sub-convolutions of dy, one per
/// phase: the dx pixels (ih, iw) with (ih + padTop) mod sH = rh and (iw + padLeft) mod sW = rw see only
/// the taps kh = rh + m·sH, kw = rw + n·sW, and dy rows q − m, columns p − n, where
/// q = ⌊(ih + padTop)/sH⌋ and p = ⌊(iw + padLeft)/sW⌋. So
/// dx[ih, iw, ci] += Σ_{m, n, co} dy[q − m, p − n, co] · W[rh + m·sH, rw + n·sW, ci, co]
/// — for a 3×3 stride-2 layer four correlations of dy with 2×2, 2×1, 1×2 and 1×1 kernels (9 taps in
/// all, the same multiply-adds as the scatter form). Each runs on the direct micro-kernel over a
/// zero-padded copy of dy (no im2col, no col2im scatter of KH·KW·Cin-long columns): rows are dx
/// pixels of the phase, columns the input channels, the reduction (m, n, co).
/// </summary>
/// <remarks>
/// Work items are groups of up to four images (a number that depends on the batch only), so every dx
/// element is written by one thread, once, in a fixed order: results do not depend on the thread count.
/// A group's phase pixels are taken together in runs of up to 64 rows, so that the micro-kernel gets
/// whole 8- and 4-row blocks (a 7×7 phase of one image would leave one row, a latency-bound single-row
/// block over the whole reduction). Picked by <see cref="ConvBackwardInput"/> when
/// <see cref="Applies"/>.
/// </remarks>
internal sealed unsafe class ConvBackwardInputPhases : IParallelBody
{
    private const int Segment = 64;              // dx pixels per micro-kernel call
    private const long MaxPaddedFloats = 1L << 20; // the largest zero-padded dy image (4 MB of scratch; a work item holds up to 4)
    private const int MaxGroupImages = 4;

    [ThreadStatic] private static ConvBackwardInputPhases? t_instance;

    /// <summary>Turns this form off on the calling thread (checks and probes compare it with the scatter form).</summary>
    [ThreadStatic] public static bool Disabled;

    private Conv2DGeometry _g;
    private float* _dy, _packed, _dx;
    private int* _taps;            // per phase: (m, n, co) → offset in the padded dy from the window's corner
    private Phase[] _phases = [];
    private int _groupImages;      // images per work item
    private int _np, _paddedH, _paddedW, _top, _left, _phaseCount;

    /// <summary>One phase: its first dx row and column, its tap counts and where its packed kernel and tap table start.</summary>
    private struct Phase
    {
        public int Row0, Col0, TapsH, TapsW;
        public long Packed; // first row of its packed kernel and of its tap table
        public int Taps;    // reduction length, tapsH·tapsW·Cout
    }

    /// <summary>
    /// Whether this form applies: a stride above 1, no dilation, at least 16 input channels (the phase
    /// products are Cin wide; the scatter form's are KH·KW·Cin) and a padded dy image that fits
    /// <see cref="MaxPaddedFloats"/>.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g)
    {
        if (Disabled || (g.StrideH == 1 && g.StrideW == 1) || g.DilationH != 1 || g.DilationW != 1 || g.InC < 16 || g.OutC == 0) return false;
        var (h, w, _, _) = PaddedSize(g);
        return h * w * g.OutC <= MaxPaddedFloats;
    }

    /// <summary>
    /// The zero-padded dy image: rows −top … ⌊(InH − 1 + padTop)/sH⌋ of dy, columns likewise, where
    /// top = ⌈KH/sH⌉ − 1 (the most taps a phase has, less one) and left = ⌈KW/sW⌉ − 1.
    /// </summary>
    private static (long Height, long Width, int Top, int Left) PaddedSize(in Conv2DGeometry g)
    {
        int top = (g.KernelH + g.StrideH - 1) / g.StrideH - 1, left = (g.KernelW + g.StrideW - 1) / g.StrideW - 1;
        long height = (g.InH - 1L + g.PadTop) / g.StrideH + 1 + top;
        long width = (g.InW - 1L + g.PadLeft) / g.StrideW + 1 + left;
        return (Math.Max(height, 1), Math.Max(width, 1), top, left);
    }

    /// <summary>dx += ∂L/∂x given dy (see <see cref="Applies"/> for when it may be called).</summary>
    public static void Run(float* dy, float* w, float* dx, in Conv2DGeometry g)
    {
        if (g.OutputLength == 0 || g.InputLength == 0) return;
        var body = t_instance ??= new ConvBackwardInputPhases();
        var (height, width, top, left) = PaddedSize(g);
        body._g = g;
        body._dy = dy;
        body._dx = dx;
        body._paddedH = (int)height;
        body._paddedW = (int)width;
        body._top = top;
        body._left = left;
        int cin = g.InC, cout = g.OutC, np = body._np = ConvMicroKernel.Padded(cin);
        int phaseCount = g.StrideH * g.StrideW;
        if (body._phases.Length < phaseCount) body._phases = new Phase[phaseCount];
        body._packed = Scratch.Floats(Scratch.Packed, (long)g.KernelH * g.KernelW * cout * np);
        body._taps = Scratch.Ints(Scratch.Packed, (long)g.KernelH * g.KernelW * cout);
        long packedRows = 0;
        int count = 0;
        for (int rh = 0; rh < g.StrideH; rh++)
            for (int rw = 0; rw < g.StrideW; rw++)
            {
                int tapsH = rh < g.KernelH ? (g.KernelH - rh + g.StrideH - 1) / g.StrideH : 0;
                int tapsW = rw < g.KernelW ? (g.KernelW - rw + g.StrideW - 1) / g.StrideW : 0;
                if (tapsH == 0 || tapsW == 0) continue; // these dx pixels get no gradient
                var phase = new Phase
                {
                    Row0 = ((rh - g.PadTop) % g.StrideH + g.StrideH) % g.StrideH,
                    Col0 = ((rw - g.PadLeft) % g.StrideW + g.StrideW) % g.StrideW,
                    TapsH = tapsH,
                    TapsW = tapsW,
                    Packed = packedRows,
                    Taps = tapsH * tapsW * cout,
                };
                // Reduction row (m′, n′, co) reads dy at the window corner + (m′, n′) and tap
                // (rh + (tapsH − 1 − m′)·sH, rw + (tapsW − 1 − n′)·sW): the window runs over dy in increasing order.
                for (int mh = 0; mh < tapsH; mh++)
                    for (int mw = 0; mw < tapsW; mw++)
                    {
                        int kh = rh + (tapsH - 1 - mh) * g.StrideH, kw = rw + (tapsW - 1 - mw) * g.StrideW;
                        float* src = w + ((long)kh * g.KernelW + kw) * cin * cout;
                        for (int co = 0; co < cout; co++, packedRows++)
                        {
                            float* dst = body._packed + packedRows * np;
                            for (int ci = 0; ci < cin; ci++) dst[ci] = src[(long)ci * cout + co];
                            new Span<float>(dst + cin, np - cin).Clear();
                            body._taps[packedRows] = (mh * body._paddedW + mw) * cout + co;
                        }
                    }
                body._phases[count++] = phase;
            }
        body._phaseCount = count;
        body._groupImages = Math.Clamp(g.Batch / 16, 1, MaxGroupImages);
        try { WorkerPool.Shared.For((g.Batch + body._groupImages - 1) / body._groupImages, body, (long)g.Batch * g.OutH * g.OutW * g.KernelH * g.KernelW * cin * cout); }
        finally { body._dy = body._packed = body._dx = null; }
    }

    public void Execute(int item)
    {
        ref readonly var g = ref _g;
        int cin = g.InC, cout = g.OutC, width = _paddedW;
        int n0 = item * _groupImages, images = Math.Min(_groupImages, g.Batch - n0);
        long paddedFloats = (long)_paddedH * width * cout, imageFloats = (long)g.InH * g.InW * cin;
        float* padded = Scratch.Floats(Scratch.TileA, images * paddedFloats);
        float* tile = Scratch.Floats(Scratch.TileB, (long)Segment * _np);
        int* corners = Scratch.Ints(Scratch.TileA, 3 * Segment);
        long* targets = (long*)(corners + Segment); // Segment longs after Segment ints (8-byte aligned)
        for (int i = 0; i < images; i++)
            ConvLayout.CopyPaddedBand(_dy + (long)(n0 + i) * g.OutH * g.OutW * cout, g.OutH, g.OutW, cout, -_top, _paddedH, _left, width, padded + i * paddedFloats);
        float* dx = _dx + n0 * imageFloats;
        for (int f = 0; f < _phaseCount; f++)
        {
            var phase = _phases[f];
            int rows = phase.Row0 < g.InH ? (g.InH - phase.Row0 + g.StrideH - 1) / g.StrideH : 0;
            int cols = phase.Col0 < g.InW ? (g.InW - phase.Col0 + g.StrideW - 1) / g.StrideW : 0;
            int pixels = rows * cols, total = images * pixels;
            int* taps = _taps + phase.Packed; // the tap table has one entry per packed row
            float* b = _packed + phase.Packed * _np;
            for (int p0 = 0; p0 < total; p0 += Segment)
            {
                int m = Math.Min(Segment, total - p0);
                for (int t = 0; t < m; t++)
                {
                    int image = (p0 + t) / pixels, pixel = (p0 + t) % pixels;
                    int ih = phase.Row0 + pixel / cols * g.StrideH, iw = phase.Col0 + pixel % cols * g.StrideW;
                    int q = (ih + g.PadTop) / g.StrideH, p = (iw + g.PadLeft) / g.StrideW;
                    corners[t] = (int)(image * paddedFloats) + ((q - phase.TapsH + 1 + _top) * width + (p - phase.TapsW + 1 + _left)) * cout;
                    KernelBounds.Range(corners[t], ((phase.TapsH - 1L) * width + phase.TapsW) * cout, images * paddedFloats);
                    targets[t] = image * imageFloats + ((long)ih * g.InW + iw) * cin;
                    KernelBounds.Range(targets[t], cin, images * imageFloats);
                }
                ConvMicroKernel.Run(padded, corners, taps, phase.Taps, b, _np, _np, tile, _np, m, cin, null, accumulate: false);
                for (int t = 0; t < m; t++) AddTo(dx + targets[t], tile + t * _np, cin);
            }
        }
    }

    /// <summary>dst[0..count) += src[0..count), src 64-byte aligned rows of the tile.</summary>
    private static void AddTo(float* dst, float* src, int count)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j + 16 <= count; j += 16)
                (Vector512.Load(dst + j) + Vector512.Load(src + j)).Store(dst + j);
        if (Vector.IsHardwareAccelerated)
            for (; j + Vector<float>.Count <= count; j += Vector<float>.Count)
                (Vector.Load(dst + j) + Vector.Load(src + j)).Store(dst + j);
        for (; j < count; j++) dst[j] += src[j];
    }
}
