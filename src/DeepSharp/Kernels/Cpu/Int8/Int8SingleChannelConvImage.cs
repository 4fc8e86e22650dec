using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The single-input-channel 3×3 convolution without a pool (a residual CNN's first layer, Same
/// padding, an Add after it): the same five int16 pairs per pixel through 512-bit <c>vpmaddwd</c>,
/// 16 output channels per instruction, as <see cref="ImagePooled"/>, one output row at a time into
/// the epilogue, where the pair kernel (<see cref="Int8PairConv"/>) reads six pairs per pixel from
/// an int16 frame. A pixel whose 3×3 input bytes are all zero (an MNIST background) has all its
/// sums zero whatever the weights: it takes no products, and on a byte destination it takes the
/// epilogue's bytes for zero sums, made once per image. The same int32 sums as the direct kernels,
/// so the same bytes; naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
internal static unsafe partial class Int8SingleChannelConv
{
    /// <summary>
    /// Whether the convolution without a pool runs here (<see cref="Image"/>): weights packed for
    /// 512-bit <c>vpmaddwd</c> (no VNNI: the VNNI path keeps its own kernel), one input channel,
    /// 3×3, stride 1, no dilation.
    /// </summary>
    public static bool AppliesUnpooled(in Conv2DGeometry g, Int8Weights w) =>
        Avx512BW.IsSupported && w.Path == Int8Path.MultiplyAdd512 && g.InC == 1 && g.KernelH == 3 && g.KernelW == 3
        && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1 && g.OutC > 0;

    /// <summary>
    /// One image (<paramref name="image"/>, InH·InW bytes): output rows <paramref name="oh0"/>..<paramref name="oh1"/>−1
    /// written at pixel <paramref name="firstPixel"/> + oh·OutW of <paramref name="y"/>.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel, int oh0, int oh1)
    {
        if (oh0 >= oh1 || g.OutW == 0) return;
        var pairs = w.MultiplyAdd512();
        int n = w.N, tiles = pairs.Tiles, outW = g.OutW;
        // The frame covers every tap of the output rows, and one more column for the fifth pair's second half.
        int frameH = Math.Max(g.InH + g.PadTop, g.OutH + 2);
        int frameW = Math.Max(g.InW + g.PadLeft, outW + 3);
        int tableW = (frameW + 15) / 16 * 16;
        byte* frame = Int8Scratch.Bytes(Int8Scratch.PaddedImage, (long)frameH * frameW + tableW + 64);
        Int8ImplicitConv.Frame(g, image, (byte)output.InputZeroPoint, frame, frameW, frameH);
        int rows = oh1 - oh0 + 2;
        int* h = Int8Scratch.Ints(Int8Scratch.WinogradInput, 2L * rows * tableW);
        int* x = h + (long)rows * tableW;
        byte* top = frame + (long)oh0 * frameW;
        for (int r = 0; r < rows; r++)
        {
            Pair(top + (long)r * frameW, top + (long)r * frameW + 1, h + (long)r * tableW, tableW);
            if (r < rows - 2) Pair(top + (long)r * frameW + 2, top + (long)(r + 1) * frameW, x + (long)r * tableW, tableW);
        }
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)outW * n);
        fixed (short* weights = pairs.Shorts)
        fixed (int* columnSums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            // The bytes of a pixel whose sums are all zero, made once (up to 256 channels, byte destinations).
            byte* blank = null;
            if (n <= BlankChannels && y.Bytes != null)
            {
                int* zeros = stackalloc int[BlankChannels];
                byte* made = stackalloc byte[BlankChannels];
                new Span<int>(zeros, n).Clear();
                Int8Epilogue.ToBytes(zeros, 1, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, y.Scale, y.ZeroPoint, made);
                blank = made;
            }
            for (int oh = oh0; oh < oh1; oh++)
            {
                int* hRow = h + (long)(oh - oh0) * tableW, xRow = x + (long)(oh - oh0) * tableW;
                byte* patch = top + (long)(oh - oh0) * frameW;
                int t = 0;
                for (; t + 2 <= tiles; t += 2)
                    TwoTilesRow(hRow, xRow, tableW, patch, frameW, outW, weights + (long)t * Pairs * 32, acc + t * Int8Weights.TileN, n,
                        Math.Min(Int8Weights.TileN, n - (t + 1) * Int8Weights.TileN));
                if (t < tiles)
                    OneTileRow(hRow, xRow, tableW, patch, frameW, outW, weights + (long)t * Pairs * 32, acc + t * Int8Weights.TileN, n, n - t * Int8Weights.TileN);
                long first = firstPixel + (long)oh * outW;
                if (blank == null)
                {
                    y.Finish(acc, outW, w, output, first);
                    continue;
                }
                // Runs of pixels with products through the epilogue; the blank ones take its bytes for zero sums.
                byte* bytes = y.Bytes + first * n;
                for (int ow = 0; ow < outW;)
                {
                    if (BlankPixel(patch + ow, frameW))
                    {
                        Buffer.MemoryCopy(blank, bytes + (long)ow * n, n, n);
                        ow++;
                        continue;
                    }
                    int start = ow;
                    while (ow < outW && !BlankPixel(patch + ow, frameW)) ow++;
                    Int8Epilogue.ToBytes(acc + (long)start * n, ow - start, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, y.Scale, y.ZeroPoint,
                        bytes + (long)start * n);
                }
            }
        }
    }

    /// <summary>One output row's sums for 32 output channels (two tiles; the second keeps <paramref name="second"/>), pixel ow at <paramref name="acc"/> + ow · <paramref name="ldc"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // the ten weight vectors stay in registers across the row
    private static void TwoTilesRow(int* h, int* x, int tableW, byte* patch, int frameW, int outW, short* weights, int* acc, int ldc, int second)
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
        for (int ow = 0; ow < outW; ow++, acc += ldc)
        {
            Vector512<int> p = Vector512<int>.Zero, q = Vector512<int>.Zero;
            if (!BlankPixel(patch + ow, frameW)) Pixel(h + ow, x + ow, tableW, a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out p, out q);
            p.Store(acc);
            if (second == Int8Weights.TileN) q.Store(acc + Int8Weights.TileN);
            else Int8LaneStore.FirstLanes(q, acc + Int8Weights.TileN, second);
        }
    }

    /// <summary>The same for one tile of <paramref name="count"/> ≤ 16 channels.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OneTileRow(int* h, int* x, int tableW, byte* patch, int frameW, int outW, short* weights, int* acc, int ldc, int count)
    {
        var a0 = Vector512.Load(weights);
        var a1 = Vector512.Load(weights + 32);
        var a2 = Vector512.Load(weights + 64);
        var a3 = Vector512.Load(weights + 96);
        var a4 = Vector512.Load(weights + 128);
        for (int ow = 0; ow < outW; ow++, acc += ldc)
        {
            var s = BlankPixel(patch + ow, frameW) ? Vector512<int>.Zero : Pixel(h + ow, x + ow, tableW, a0, a1, a2, a3, a4);
            if (count == Int8Weights.TileN) s.Store(acc);
            else Int8LaneStore.FirstLanes(s, acc, count);
        }
    }

    /// <summary>Whether the 3×3 bytes at <paramref name="patch"/> (rows <paramref name="frameW"/> apart), a pixel's taps, are all zero (reads a fourth byte per row, masked off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BlankPixel(byte* patch, int frameW) =>
        ((Unsafe.ReadUnaligned<uint>(patch) | Unsafe.ReadUnaligned<uint>(patch + frameW) | Unsafe.ReadUnaligned<uint>(patch + 2 * frameW)) & 0xFFFFFF) == 0;
}
