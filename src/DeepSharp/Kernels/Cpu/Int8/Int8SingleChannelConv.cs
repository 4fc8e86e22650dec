using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Int8 3×3, stride-1 convolution of a single input channel (a grey image: the first layer of an
/// MNIST convnet) with its 2×2, stride-2 max pool, AVX-512BW: the nine taps go as five int16 pairs
/// through 512-bit <c>vpmaddwd</c> (16 output channels per instruction, all the weights held in
/// registers for the whole image) instead of three 4-byte quads through 256-bit <c>vpdpbusd</c>
/// (8 channels per instruction, the fourth byte of each quad wasted). The same int32 sums as the
/// direct kernels, so the same bytes after the shared epilogue and pool; naive twin:
/// <c>Reference.NaiveInt8.Conv2D</c> then <c>Reference.NaiveInt8.MaxPool2D</c>.
/// </summary>
/// <remarks>
/// <para>Pairs. With d the image framed with the zero point and the output pixel (y, x) seeing
/// d[y..y+2][x..x+2], taps t = 3·kh + kw pair as (t0, t1), (t2, t3), (t4, t5), (t6, t7), (t8, −):
/// the pixel's five int32 words are H[y][x], X[y][x], H[y+1][x+1], H[y+2][x] and H[y+2][x+2], from
/// two tables built once per image: H[y][x] = d[y][x] | d[y][x+1] ≪ 16 (neighbours in a row) and
/// X[y][x] = d[y][x+2] | d[y+1][x] ≪ 16 (a row's last tap with the next row's first). The last word's
/// second half, d[y+2][x+3], meets the zero weight that completes the fifth pair (the
/// <see cref="Int8Path.MultiplyAdd512"/> layout of K = 9), so whatever byte it holds counts for nothing.</para>
/// <para>Exactness. Each <c>vpmaddwd</c> lane adds two products of a byte (0–255) and a weight
/// (−128–127): |·| ≤ 2 · 255 · 128, far from int16 × int16's only saturating case; five of them per
/// pixel sum to at most 9 · 255 · 128 &lt; 2³¹ in magnitude, so every int32 sum is the direct sum Σ d · w
/// exactly. The 2×2 max of the sums then goes through the epilogue, which is monotonic in the sum
/// (<see cref="Int8ImplicitConv.ImagePooled"/>), so the bytes are the pool of the requantized pixels.</para>
/// <para>Measured (one thread, shared 2-core Zen 5, bench q): conv 1 + pool of the convnet in 0.92×
/// the CPU time of the VNNI windows. The two do about the same vector work there (8,112 <c>vpdpbusd</c>
/// per image, add fused, against 6,760 <c>vpmaddwd</c> + 5,408 <c>vpaddd</c>); the gain is in the
/// framing and the loop around them.</para>
/// </remarks>
internal static unsafe partial class Int8SingleChannelConv
{
    /// <summary>The int16 pairs of one output channel's nine taps (the last pair's second weight zero).</summary>
    private const int Pairs = 5;

    /// <summary>The most output channels for which the bytes of a blank window are made once and copied.</summary>
    private const int BlankChannels = 256;

    /// <summary>
    /// Whether the convolution and its pool run here: one input channel, 3×3, stride 1, no
    /// dilation, the 2×2, stride-2 pool without padding (<see cref="Int8Winograd.PoolsTiles"/>), AVX-512BW.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g, in Pool2DGeometry pool) =>
        Avx512BW.IsSupported && g.InC == 1 && g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1
        && g.DilationH == 1 && g.DilationW == 1 && g.OutC > 0 && Int8Winograd.PoolsTiles(pool);

    /// <summary>
    /// One image (<paramref name="image"/>, InH·InW bytes) convolved and pooled, pool rows
    /// <paramref name="ph0"/>..<paramref name="ph1"/>−1 written as bytes on (<paramref name="scale"/>,
    /// <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pooled bytes).
    /// </summary>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int ph0, int ph1)
    {
        if (ph0 >= ph1 || pool.OutW == 0) return;
        var pairs = w.MultiplyAdd512();
        int n = w.N, tiles = pairs.Tiles;
        // The frame covers every tap of conv rows 2·ph0..2·ph1−1 and columns 0..2·OutW−1, and one
        // more column for the fifth pair's second half; the tables are as wide, rounded up to 16.
        int frameH = Math.Max(g.InH + g.PadTop, 2 * pool.OutH + 2);
        int frameW = Math.Max(g.InW + g.PadLeft, 2 * pool.OutW + 2);
        int tableW = (frameW + 15) / 16 * 16;
        long frameBytes = (long)frameH * frameW;
        byte* frame = Int8Scratch.Bytes(Int8Scratch.PaddedImage, frameBytes + tableW + 64);
        Int8ImplicitConv.Frame(g, image, (byte)output.InputZeroPoint, frame, frameW, frameH);
        int rows = 2 * (ph1 - ph0) + 2;
        int* h = Int8Scratch.Ints(Int8Scratch.WinogradInput, 2L * rows * tableW);
        int* x = h + (long)rows * tableW;
        byte* top = frame + 2L * ph0 * frameW;
        for (int r = 0; r < rows; r++)
        {
            Pair(top + (long)r * frameW, top + (long)r * frameW + 1, h + (long)r * tableW, tableW);
            if (r < rows - 2) Pair(top + (long)r * frameW + 2, top + (long)(r + 1) * frameW, x + (long)r * tableW, tableW);
        }
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, (long)pool.OutW * n);
        fixed (short* weights = pairs.Shorts)
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            // The bytes of a window whose sums are all zero (see TwoTiles), made once (up to 256 channels).
            byte* blank = null;
            if (n <= BlankChannels)
            {
                int* zeros = stackalloc int[BlankChannels];
                byte* made = stackalloc byte[BlankChannels];
                new Span<int>(zeros, n).Clear();
                Int8Epilogue.ToBytes(zeros, 1, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, made);
                blank = made;
            }
            for (int ph = ph0; ph < ph1; ph++)
            {
                int* hRow = h + 2L * (ph - ph0) * tableW, xRow = x + 2L * (ph - ph0) * tableW;
                byte* patch = top + 2L * (ph - ph0) * frameW;
                int t = 0;
                for (; t + 2 <= tiles; t += 2)
                    TwoTiles(hRow, xRow, tableW, patch, frameW, pool.OutW, weights + (long)t * Pairs * 32, pooled + t * Int8Weights.TileN, n,
                        Math.Min(Int8Weights.TileN, n - (t + 1) * Int8Weights.TileN));
                if (t < tiles)
                    OneTile(hRow, xRow, tableW, patch, frameW, pool.OutW, weights + (long)t * Pairs * 32, pooled + t * Int8Weights.TileN, n, n - t * Int8Weights.TileN);
                byte* bytes = y + (long)ph * pool.OutW * n;
                if (blank == null)
                {
                    Int8Epilogue.ToBytes(pooled, pool.OutW, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, bytes);
                    continue;
                }
                // Runs of windows with products through the epilogue; the blank ones (all sums zero) take its bytes for zero sums.
                for (int pw = 0; pw < pool.OutW;)
                {
                    if (Blank(patch + 2 * pw, frameW))
                    {
                        Buffer.MemoryCopy(blank, bytes + (long)pw * n, n, n);
                        pw++;
                        continue;
                    }
                    int start = pw;
                    while (pw < pool.OutW && !Blank(patch + 2 * pw, frameW)) pw++;
                    Int8Epilogue.ToBytes(pooled + (long)start * n, pw - start, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint,
                        bytes + (long)start * n);
                }
            }
        }
    }

    /// <summary>t[i] = a[i] | b[i] ≪ 16 for i &lt; <paramref name="count"/> (a multiple of 16), from the bytes at a and b.</summary>
    private static void Pair(byte* a, byte* b, int* t, int count)
    {
        for (int i = 0; i < count; i += 16)
        {
            var lo = Avx512F.ConvertToVector512Int32(Vector128.Load(a + i));
            var hi = Avx512F.ConvertToVector512Int32(Vector128.Load(b + i));
            (lo | Vector512.ShiftLeft(hi, 16)).Store(t + i);
        }
    }

    /// <summary>
    /// One pool row, 32 output channels (two tiles; the second keeps <paramref name="second"/>
    /// channels): each pool window's four pixels summed in registers, their max stored at
    /// <paramref name="pooled"/> + pw · <paramref name="ldp"/>. A window whose 4×4 input bytes (at
    /// <paramref name="patch"/> + 2·pw, rows <paramref name="frameW"/> apart) are all zero has all
    /// its sums zero, whatever the weights: zeros are stored without the products (an image's
    /// background: on MNIST about half the windows).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the ten weight vectors stay in registers across the row
    private static void TwoTiles(int* h, int* x, int tableW, byte* patch, int frameW, int windows, short* weights, int* pooled, int ldp, int second)
    {
        var a0 = Vector512.Load(weights);
        var a1 = Vector512.Load(weights + 32);
        var a2 = Vector512.Load(weights + 64);
        var a3 = Vector512.Load(weights + 96);
        var a4 = Vector512.Load(weights + 128);
        var b0 = Vector512.Load(weights + 160);
        var b1 = Vector512.Load(weights + 192);
        var b2 = Vector512.Load(weights + 224);
        var b3 = Vector512.Load(weights + 256);
        var b4 = Vector512.Load(weights + 288);
        for (int pw = 0; pw < windows; pw++, pooled += ldp)
        {
            if (Blank(patch + 2 * pw, frameW))
            {
                Vector512<int>.Zero.Store(pooled);
                if (second == Int8Weights.TileN) Vector512<int>.Zero.Store(pooled + Int8Weights.TileN);
                else Int8LaneStore.FirstLanes(Vector512<int>.Zero, pooled + Int8Weights.TileN, second);
                continue;
            }
            int* h0 = h + 2 * pw, x0 = x + 2 * pw;
            Pixel(h0, x0, tableW, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out var p00, out var q00);
            Pixel(h0 + 1, x0 + 1, tableW, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out var p01, out var q01);
            Pixel(h0 + tableW, x0 + tableW, tableW, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out var p10, out var q10);
            Pixel(h0 + tableW + 1, x0 + tableW + 1, tableW, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out var p11, out var q11);
            Vector512.Max(Vector512.Max(p00, p01), Vector512.Max(p10, p11)).Store(pooled);
            var q = Vector512.Max(Vector512.Max(q00, q01), Vector512.Max(q10, q11));
            if (second == Int8Weights.TileN) q.Store(pooled + Int8Weights.TileN);
            else Int8LaneStore.FirstLanes(q, pooled + Int8Weights.TileN, second);
        }
    }

    /// <summary>The same for one tile of <paramref name="count"/> ≤ 16 channels.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OneTile(int* h, int* x, int tableW, byte* patch, int frameW, int windows, short* weights, int* pooled, int ldp, int count)
    {
        var a0 = Vector512.Load(weights);
        var a1 = Vector512.Load(weights + 32);
        var a2 = Vector512.Load(weights + 64);
        var a3 = Vector512.Load(weights + 96);
        var a4 = Vector512.Load(weights + 128);
        for (int pw = 0; pw < windows; pw++, pooled += ldp)
        {
            int* h0 = h + 2 * pw, x0 = x + 2 * pw;
            var m = Blank(patch + 2 * pw, frameW) ? Vector512<int>.Zero : Vector512.Max(
                Vector512.Max(Pixel(h0, x0, tableW, a0, a1, a2, a3, a4), Pixel(h0 + 1, x0 + 1, tableW, a0, a1, a2, a3, a4)),
                Vector512.Max(Pixel(h0 + tableW, x0 + tableW, tableW, a0, a1, a2, a3, a4), Pixel(h0 + tableW + 1, x0 + tableW + 1, tableW, a0, a1, a2, a3, a4)));
            if (count == Int8Weights.TileN) m.Store(pooled);
            else Int8LaneStore.FirstLanes(m, pooled, count);
        }
    }

    /// <summary>Whether the 4×4 bytes at <paramref name="patch"/> (rows <paramref name="frameW"/> apart), a pool window's taps, are all zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Blank(byte* patch, int frameW) =>
        (Unsafe.ReadUnaligned<uint>(patch) | Unsafe.ReadUnaligned<uint>(patch + frameW)
        | Unsafe.ReadUnaligned<uint>(patch + 2 * frameW) | Unsafe.ReadUnaligned<uint>(patch + 3 * frameW)) == 0;

    /// <summary>One output pixel's sums for two tiles: its five words (see the remarks) times each tile's five weight pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixel(int* h, int* x, int tableW,
        Vector512<short> a0, Vector512<short> a1, Vector512<short> a2, Vector512<short> a3, Vector512<short> a4,
        Vector512<short> b0, Vector512<short> b1, Vector512<short> b2, Vector512<short> b3, Vector512<short> b4,
        out Vector512<int> p, out Vector512<int> q)
    {
        var d0 = Vector512.Create(h[0]).AsInt16();
        var d1 = Vector512.Create(x[0]).AsInt16();
        var d2 = Vector512.Create(h[tableW + 1]).AsInt16();
        var d3 = Vector512.Create(h[2 * tableW]).AsInt16();
        var d4 = Vector512.Create(h[2 * tableW + 2]).AsInt16();
        p = Avx512BW.MultiplyAddAdjacent(d0, a0) + Avx512BW.MultiplyAddAdjacent(d1, a1) + Avx512BW.MultiplyAddAdjacent(d2, a2)
            + Avx512BW.MultiplyAddAdjacent(d3, a3) + Avx512BW.MultiplyAddAdjacent(d4, a4);
        q = Avx512BW.MultiplyAddAdjacent(d0, b0) + Avx512BW.MultiplyAddAdjacent(d1, b1) + Avx512BW.MultiplyAddAdjacent(d2, b2)
            + Avx512BW.MultiplyAddAdjacent(d3, b3) + Avx512BW.MultiplyAddAdjacent(d4, b4);
    }

    /// <summary>One output pixel's sums for one tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pixel(int* h, int* x, int tableW,
        Vector512<short> a0, Vector512<short> a1, Vector512<short> a2, Vector512<short> a3, Vector512<short> a4) =>
        Avx512BW.MultiplyAddAdjacent(Vector512.Create(h[0]).AsInt16(), a0) + Avx512BW.MultiplyAddAdjacent(Vector512.Create(x[0]).AsInt16(), a1)
        + Avx512BW.MultiplyAddAdjacent(Vector512.Create(h[tableW + 1]).AsInt16(), a2) + Avx512BW.MultiplyAddAdjacent(Vector512.Create(h[2 * tableW]).AsInt16(), a3)
        + Avx512BW.MultiplyAddAdjacent(Vector512.Create(h[2 * tableW + 2]).AsInt16(), a4);
}
