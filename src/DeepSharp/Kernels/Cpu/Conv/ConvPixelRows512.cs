using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Forward convolution for narrow layers (at most <see cref="MaxOutC"/> output channels, stride 1) on
/// AVX-512, vectorised along output rows instead of output channels: a work item copies the input
/// rows its band of output rows sees into a zero-padded planar band (row, channel, column), so that
/// 16 consecutive output pixels of one tap and input channel are one vector load; each step of the
/// reduction then multiplies two such loads (32 pixels) by 8 broadcast weights (8 output channels)
/// into 16 accumulators. Every lane is a wanted output where the channel-vectorised micro-kernel
/// filled only 8 or 16 of 32 lanes; the 8 × 32 results are transposed in registers to NHWC as they
/// are stored (bias, accumulation and ReLU in the epilogue).
/// </summary>
/// <remarks>
/// Each output element is init (bias or 0) plus one fused multiply-add per tap (kh, kw, ci) in that
/// order — the same sum, in the same order, as <see cref="ConvMicroKernel"/> — so results are
/// bit-identical to the channel-vectorised path, for any thread count (work items are bands of one
/// image's rows fixed by the geometry alone).
/// The blocks of 8 or more accumulators are never inlined, like GemmMicroKernel512's entry points,
/// whose inlined copies kept accumulators on the stack inside the k loop. The JIT's code for the
/// bench's convolution rows and training steps (Zen 4, 2026-12-06) had no such spill here: the callers
/// are compiled once without profile-guided inlining (they stackalloc) or inlined only the small
/// blocks; NoInlining keeps it so whatever tiering decides.
/// </remarks>
internal sealed unsafe class ConvPixelRows512 : IParallelBody
{
    /// <summary>The most output channels this path takes (two groups of 8).</summary>
    public const int MaxOutC = 16;

    private const int Group = 8;      // output channels per pass over a row block
    private const int BlockPixels = 32;
    private const int RowsPerTask = 8;

    [ThreadStatic] private static ConvPixelRows512? t_instance;

    /// <summary>Turns this path off for calls made on this thread (tests compare it with the channel-vectorised kernel).</summary>
    [ThreadStatic] public static bool Disabled;

    private Conv2DGeometry _g;
    private float* _x, _w, _bias, _y;
    private int* _taps;
    private int _k, _groups, _bandWidth, _rowTasks;
    private bool _relu, _accumulate;

    /// <summary>
    /// Whether <paramref name="g"/> runs here: AVX-512, stride 1, 1 to <see cref="MaxOutC"/> output channels
    /// (measured faster than the channel-vectorised kernel there, whose blocks are 32 channels wide).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        !Disabled && Avx512F.IsSupported && g.StrideH == 1 && g.StrideW == 1 && g.OutC >= 1 && g.OutC <= MaxOutC
        && g.InC >= 1 && g.OutputLength > 0 && BandFloats(g) <= 1 << 24;

    private static int BandWidth(in Conv2DGeometry g) =>
        (g.OutW + BlockPixels - 1) / BlockPixels * BlockPixels + (g.KernelW - 1) * g.DilationW;

    private static long BandFloats(in Conv2DGeometry g) =>
        ((long)Math.Min(RowsPerTask, g.OutH) + (g.KernelH - 1L) * g.DilationH) * g.InC * BandWidth(g);

    /// <summary>Writes y = conv(x, w) + bias (through ReLU if asked), or adds conv(x, w) to y when <paramref name="accumulate"/>.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, in Conv2DGeometry g, bool relu, bool accumulate)
    {
        var body = t_instance ??= new ConvPixelRows512();
        int k = g.KernelH * g.KernelW * g.InC, groups = (g.OutC + Group - 1) / Group;
        body._g = g;
        body._x = x;
        body._y = y;
        body._k = k;
        body._groups = groups;
        body._relu = relu;
        body._accumulate = accumulate;
        body._bandWidth = BandWidth(g);
        // Weights by group: (group, tap, 8 channels), zero past Cout; bias likewise.
        body._w = Scratch.Floats(Scratch.Packed, (long)groups * k * Group);
        for (int grp = 0; grp < groups; grp++)
            for (int r = 0; r < k; r++)
                for (int j = 0; j < Group; j++)
                {
                    int co = grp * Group + j;
                    body._w[((long)grp * k + r) * Group + j] = co < g.OutC ? w[(long)r * g.OutC + co] : 0f;
                }
        body._bias = Scratch.Floats(Scratch.PackedBias, groups * Group);
        for (int j = 0; j < groups * Group; j++) body._bias[j] = bias != null && j < g.OutC ? bias[j] : 0f;
        body._taps = Scratch.Ints(Scratch.Packed, k);
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++, r++)
                    body._taps[r] = (kh * g.DilationH * g.InC + ci) * body._bandWidth + kw * g.DilationW;
        body._rowTasks = (g.OutH + RowsPerTask - 1) / RowsPerTask;
        try { WorkerPool.Shared.For(g.Batch * body._rowTasks, body, (long)g.Batch * g.OutH * g.OutW * k * g.OutC); }
        finally { body._x = body._w = body._bias = body._y = null; }
    }

    [SkipLocalsInit]
    public void Execute(int index)
    {
        ref readonly var g = ref _g;
        int n = index / _rowTasks, oh0 = index % _rowTasks * RowsPerTask;
        int ohEnd = Math.Min(g.OutH, oh0 + RowsPerTask);
        int c = g.InC, width = _bandWidth;
        int rows = (ohEnd - oh0 - 1) + (g.KernelH - 1) * g.DilationH + 1;
        long rowFloats = (long)c * width;
        float* band = Scratch.Floats(Scratch.TileA, rows * rowFloats);
        float* image = _x + (long)n * g.InH * g.InW * c;
        FillBand(image, band, rows, oh0 - g.PadTop);
        float* yImage = _y + (long)n * g.OutH * g.OutW * g.OutC;
        float* tmp = stackalloc float[Group * BlockPixels + 16];
        tmp = (float*)(((nint)tmp + 63) & ~(nint)63);
        for (int oh = oh0; oh < ohEnd; oh++)
        {
            float* a = band + (oh - oh0) * rowFloats;
            for (int ow0 = 0; ow0 < g.OutW; ow0 += BlockPixels)
            {
                int pixels = Math.Min(BlockPixels, g.OutW - ow0);
                float* yRow = yImage + ((long)oh * g.OutW + ow0) * g.OutC;
                KernelBounds.Range(yRow - _y, (long)pixels * g.OutC, g.OutputLength);
                for (int grp = 0; grp < _groups; grp++)
                {
                    Block(a + ow0, _taps, _k, _w + (long)grp * _k * Group, _bias + grp * Group, tmp);
                    int channels = Math.Min(Group, g.OutC - grp * Group);
                    if (channels == Group) StoreTransposed(tmp, yRow + grp * Group, g.OutC, pixels, _accumulate, _relu);
                    else StorePartial(tmp, yRow + grp * Group, g.OutC, pixels, channels, _accumulate, _relu);
                }
            }
        }
    }

    /// <summary>Input rows [top, top + rows) of one image (zero outside it), as (row, channel, column) with the left padding applied.</summary>
    private void FillBand(float* image, float* band, int rows, int top)
    {
        ref readonly var g = ref _g;
        int c = g.InC, width = _bandWidth;
        int left = Math.Min(g.PadLeft, width), count = Math.Clamp(width - left, 0, g.InW);
        for (int r = 0; r < rows; r++)
        {
            float* dst = band + (long)r * c * width;
            int ih = top + r;
            if ((uint)ih >= (uint)g.InH)
            {
                new Span<float>(dst, c * width).Clear();
                continue;
            }
            float* src = image + (long)ih * g.InW * c;
            KernelBounds.Range((long)ih * g.InW * c, (long)count * c, (long)g.InH * g.InW * c);
            int vectorPixels = count / 16 * 16;
            for (int c0 = 0; c0 + Group <= c; c0 += Group)
                for (int j = 0; j < vectorPixels; j += 16)
                    ToPlanes(src + (long)j * c + c0, c, dst + (long)c0 * width + left + j, width);
            for (int ci = 0; ci < c; ci++)
            {
                float* plane = dst + (long)ci * width;
                new Span<float>(plane, left).Clear();
                for (int j = ci < c / Group * Group ? vectorPixels : 0; j < count; j++) plane[left + j] = src[(long)j * c + ci];
                new Span<float>(plane + left + count, width - left - count).Clear();
            }
        }
    }

    /// <summary>
    /// 16 pixels × 8 channels (pixel p's channels at src + p·<paramref name="c"/>) to 8 planes of 16 pixels
    /// (plane j at dst + j·<paramref name="width"/>): the inverse of <see cref="StoreTransposed"/>'s rounds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ToPlanes(float* src, int c, float* dst, int width)
    {
        // v_k: pixels 2k and 2k + 1, 8 channels each.
        var v0 = Vector512.Create(Vector256.Load(src), Vector256.Load(src + c));
        var v1 = Vector512.Create(Vector256.Load(src + 2 * c), Vector256.Load(src + 3 * c));
        var v2 = Vector512.Create(Vector256.Load(src + 4 * c), Vector256.Load(src + 5 * c));
        var v3 = Vector512.Create(Vector256.Load(src + 6 * c), Vector256.Load(src + 7 * c));
        var v4 = Vector512.Create(Vector256.Load(src + 8 * c), Vector256.Load(src + 9 * c));
        var v5 = Vector512.Create(Vector256.Load(src + 10 * c), Vector256.Load(src + 11 * c));
        var v6 = Vector512.Create(Vector256.Load(src + 12 * c), Vector256.Load(src + 13 * c));
        var v7 = Vector512.Create(Vector256.Load(src + 14 * c), Vector256.Load(src + 15 * c));
        // Undo round 3 (groups of 4): channels 0–3 and 4–7 of pixels 0–3, 4–7, 8–11, 12–15.
        var c00 = Avx512F.PermuteVar16x32x2(v0, s_even4, v1);
        var c10 = Avx512F.PermuteVar16x32x2(v0, s_odd4, v1);
        var c01 = Avx512F.PermuteVar16x32x2(v2, s_even4, v3);
        var c11 = Avx512F.PermuteVar16x32x2(v2, s_odd4, v3);
        var c02 = Avx512F.PermuteVar16x32x2(v4, s_even4, v5);
        var c12 = Avx512F.PermuteVar16x32x2(v4, s_odd4, v5);
        var c03 = Avx512F.PermuteVar16x32x2(v6, s_even4, v7);
        var c13 = Avx512F.PermuteVar16x32x2(v6, s_odd4, v7);
        // Undo round 2 (groups of 2): channel pairs of pixels 0–7 (l) and 8–15 (h).
        var b0l = Avx512F.PermuteVar16x32x2(c00, s_even2, c01);
        var b1l = Avx512F.PermuteVar16x32x2(c00, s_odd2, c01);
        var b0h = Avx512F.PermuteVar16x32x2(c02, s_even2, c03);
        var b1h = Avx512F.PermuteVar16x32x2(c02, s_odd2, c03);
        var b2l = Avx512F.PermuteVar16x32x2(c10, s_even2, c11);
        var b3l = Avx512F.PermuteVar16x32x2(c10, s_odd2, c11);
        var b2h = Avx512F.PermuteVar16x32x2(c12, s_even2, c13);
        var b3h = Avx512F.PermuteVar16x32x2(c12, s_odd2, c13);
        // Undo round 1: one channel, 16 pixels.
        Avx512F.PermuteVar16x32x2(b0l, s_even1, b0h).Store(dst);
        Avx512F.PermuteVar16x32x2(b0l, s_odd1, b0h).Store(dst + width);
        Avx512F.PermuteVar16x32x2(b1l, s_even1, b1h).Store(dst + 2 * width);
        Avx512F.PermuteVar16x32x2(b1l, s_odd1, b1h).Store(dst + 3 * width);
        Avx512F.PermuteVar16x32x2(b2l, s_even1, b2h).Store(dst + 4 * width);
        Avx512F.PermuteVar16x32x2(b2l, s_odd1, b2h).Store(dst + 5 * width);
        Avx512F.PermuteVar16x32x2(b3l, s_even1, b3h).Store(dst + 6 * width);
        Avx512F.PermuteVar16x32x2(b3l, s_odd1, b3h).Store(dst + 7 * width);
    }

    /// <summary>
    /// 32 output pixels × 8 channels: acc[j][p] = bias[j] + Σ_r a[taps[r] + p]·w[r][j], stored to
    /// tmp as 8 rows of 32 (channel-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // see the class remarks: never inlined into a caller's loop nest
    private static void Block(float* a, int* taps, int k, float* w, float* bias, float* tmp)
    {
        var c00 = Vector512.Create(bias[0]);
        var c10 = Vector512.Create(bias[1]);
        var c20 = Vector512.Create(bias[2]);
        var c30 = Vector512.Create(bias[3]);
        var c40 = Vector512.Create(bias[4]);
        var c50 = Vector512.Create(bias[5]);
        var c60 = Vector512.Create(bias[6]);
        var c70 = Vector512.Create(bias[7]);
        Vector512<float> c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50, c61 = c60, c71 = c70;
        for (int r = 0; r < k; r++, w += Group)
        {
            float* p = a + taps[r];
            var x0 = Vector512.Load(p);
            var x1 = Vector512.Load(p + 16);
            var b = Vector512.Create(w[0]);
            c00 = Vector512.FusedMultiplyAdd(x0, b, c00);
            c01 = Vector512.FusedMultiplyAdd(x1, b, c01);
            b = Vector512.Create(w[1]);
            c10 = Vector512.FusedMultiplyAdd(x0, b, c10);
            c11 = Vector512.FusedMultiplyAdd(x1, b, c11);
            b = Vector512.Create(w[2]);
            c20 = Vector512.FusedMultiplyAdd(x0, b, c20);
            c21 = Vector512.FusedMultiplyAdd(x1, b, c21);
            b = Vector512.Create(w[3]);
            c30 = Vector512.FusedMultiplyAdd(x0, b, c30);
            c31 = Vector512.FusedMultiplyAdd(x1, b, c31);
            b = Vector512.Create(w[4]);
            c40 = Vector512.FusedMultiplyAdd(x0, b, c40);
            c41 = Vector512.FusedMultiplyAdd(x1, b, c41);
            b = Vector512.Create(w[5]);
            c50 = Vector512.FusedMultiplyAdd(x0, b, c50);
            c51 = Vector512.FusedMultiplyAdd(x1, b, c51);
            b = Vector512.Create(w[6]);
            c60 = Vector512.FusedMultiplyAdd(x0, b, c60);
            c61 = Vector512.FusedMultiplyAdd(x1, b, c61);
            b = Vector512.Create(w[7]);
            c70 = Vector512.FusedMultiplyAdd(x0, b, c70);
            c71 = Vector512.FusedMultiplyAdd(x1, b, c71);
        }
        c00.Store(tmp);
        c01.Store(tmp + 16);
        c10.Store(tmp + 32);
        c11.Store(tmp + 48);
        c20.Store(tmp + 64);
        c21.Store(tmp + 80);
        c30.Store(tmp + 96);
        c31.Store(tmp + 112);
        c40.Store(tmp + 128);
        c41.Store(tmp + 144);
        c50.Store(tmp + 160);
        c51.Store(tmp + 176);
        c60.Store(tmp + 192);
        c61.Store(tmp + 208);
        c70.Store(tmp + 224);
        c71.Store(tmp + 240);
    }

    // Index vectors of the three interleaving rounds of the 8 × 16 → 16 × 8 transpose (see Interleave).
    private static readonly Vector512<int> s_lo1 = Indices(1, 0), s_hi1 = Indices(1, 1);
    private static readonly Vector512<int> s_lo2 = Indices(2, 0), s_hi2 = Indices(2, 1);
    private static readonly Vector512<int> s_lo4 = Indices(4, 0), s_hi4 = Indices(4, 1);

    // And of their inverses (see Deinterleave).
    private static readonly Vector512<int> s_even1 = Deinterleave(1, 0), s_odd1 = Deinterleave(1, 1);
    private static readonly Vector512<int> s_even2 = Deinterleave(2, 0), s_odd2 = Deinterleave(2, 1);
    private static readonly Vector512<int> s_even4 = Deinterleave(4, 0), s_odd4 = Deinterleave(4, 1);

    /// <summary>
    /// The permutation that takes the even (<paramref name="odd"/> = 0) or odd groups of <paramref name="group"/>
    /// elements of two vectors lo and hi read as one 32-element sequence: the inverse of <see cref="Indices"/>.
    /// </summary>
    internal static Vector512<int> Deinterleave(int group, int odd)
    {
        var index = new int[16];
        for (int e = 0; e < 16; e++) index[e] = (2 * (e / group) + odd) * group + e % group;
        return Vector512.Create(index);
    }

    /// <summary>
    /// The permutation that interleaves groups of <paramref name="group"/> elements of two vectors a and b
    /// (a's group, then b's), over the lower (half 0) or upper (half 1) 8 elements of each.
    /// </summary>
    internal static Vector512<int> Indices(int group, int half)
    {
        var index = new int[16];
        for (int e = 0; e < 16; e++)
        {
            int pair = half * (8 / group) + e / (2 * group), within = e % (2 * group);
            index[e] = within < group ? pair * group + within : 16 + pair * group + within - group;
        }
        return Vector512.Create(index);
    }

    /// <summary>
    /// Writes the 8 channels of <paramref name="pixels"/> pixels (up to 32) held channel-major in tmp to
    /// y (pixel-major, row stride <paramref name="ldc"/>), transposing 8 × 16 blocks in registers: three
    /// rounds of two-source permutes pair up channels 2 by 2, 4 by 4, then 8 by 8, leaving each vector
    /// with two pixels' 8 channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTransposed(float* tmp, float* y, int ldc, int pixels, bool accumulate, bool relu)
    {
        for (int half = 0; half < 2 && half * 16 < pixels; half++)
        {
            float* t = tmp + half * 16;
            var a0 = Vector512.Load(t);
            var a1 = Vector512.Load(t + 32);
            var a2 = Vector512.Load(t + 64);
            var a3 = Vector512.Load(t + 96);
            var a4 = Vector512.Load(t + 128);
            var a5 = Vector512.Load(t + 160);
            var a6 = Vector512.Load(t + 192);
            var a7 = Vector512.Load(t + 224);
            // Round 1: channels (0,1), (2,3), (4,5), (6,7) interleaved; lo = pixels 0–7, hi = 8–15.
            var b0l = Avx512F.PermuteVar16x32x2(a0, s_lo1, a1);
            var b0h = Avx512F.PermuteVar16x32x2(a0, s_hi1, a1);
            var b1l = Avx512F.PermuteVar16x32x2(a2, s_lo1, a3);
            var b1h = Avx512F.PermuteVar16x32x2(a2, s_hi1, a3);
            var b2l = Avx512F.PermuteVar16x32x2(a4, s_lo1, a5);
            var b2h = Avx512F.PermuteVar16x32x2(a4, s_hi1, a5);
            var b3l = Avx512F.PermuteVar16x32x2(a6, s_lo1, a7);
            var b3h = Avx512F.PermuteVar16x32x2(a6, s_hi1, a7);
            // Round 2: channels 0–3 and 4–7; four pixels each.
            var c00 = Avx512F.PermuteVar16x32x2(b0l, s_lo2, b1l); // pixels 0–3, channels 0–3
            var c01 = Avx512F.PermuteVar16x32x2(b0l, s_hi2, b1l); // pixels 4–7
            var c02 = Avx512F.PermuteVar16x32x2(b0h, s_lo2, b1h); // pixels 8–11
            var c03 = Avx512F.PermuteVar16x32x2(b0h, s_hi2, b1h); // pixels 12–15
            var c10 = Avx512F.PermuteVar16x32x2(b2l, s_lo2, b3l); // same pixels, channels 4–7
            var c11 = Avx512F.PermuteVar16x32x2(b2l, s_hi2, b3l);
            var c12 = Avx512F.PermuteVar16x32x2(b2h, s_lo2, b3h);
            var c13 = Avx512F.PermuteVar16x32x2(b2h, s_hi2, b3h);
            // Round 3: two pixels × 8 channels per vector.
            float* row = y + (long)half * 16 * ldc;
            int valid = pixels - half * 16;
            Put(Avx512F.PermuteVar16x32x2(c00, s_lo4, c10), row, ldc, valid, 0, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c00, s_hi4, c10), row, ldc, valid, 2, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c01, s_lo4, c11), row, ldc, valid, 4, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c01, s_hi4, c11), row, ldc, valid, 6, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c02, s_lo4, c12), row, ldc, valid, 8, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c02, s_hi4, c12), row, ldc, valid, 10, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c03, s_lo4, c13), row, ldc, valid, 12, accumulate, relu);
            Put(Avx512F.PermuteVar16x32x2(c03, s_hi4, c13), row, ldc, valid, 14, accumulate, relu);
        }
    }

    /// <summary>Pixels <paramref name="p"/> and p + 1 (8 channels each, the lower and upper halves of <paramref name="v"/>), those below <paramref name="valid"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<float> v, float* y, int ldc, int valid, int p, bool accumulate, bool relu)
    {
        if (p < valid) Put(v.GetLower(), y + (long)p * ldc, accumulate, relu);
        if (p + 1 < valid) Put(v.GetUpper(), y + (long)(p + 1) * ldc, accumulate, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector256<float> v, float* y, bool accumulate, bool relu)
    {
        if (accumulate) v += Vector256.Load(y);
        if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
        v.Store(y);
    }

    /// <summary>The first <paramref name="channels"/> (&lt; 8) channels of <paramref name="pixels"/> pixels held channel-major in tmp.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StorePartial(float* tmp, float* y, int ldc, int pixels, int channels, bool accumulate, bool relu)
    {
        for (int p = 0; p < pixels; p++, y += ldc)
            for (int j = 0; j < channels; j++)
            {
                float v = tmp[j * BlockPixels + p];
                if (accumulate) v += y[j];
                y[j] = relu ? Math.Max(v, 0f) : v;
            }
    }
}
