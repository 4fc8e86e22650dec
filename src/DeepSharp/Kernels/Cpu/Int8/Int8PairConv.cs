using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Int8 convolution with no im2col matrix and no VNNI (AVX-512BW <c>vpmaddwd</c>; Zen 4, where .NET
/// exposes no 512-bit VNNI): an image's u8 input is widened to int16 once, into a padded frame (the
/// padding the zero point, which stands for 0.0), and each output pixel's window is read in place
/// from it, one int32 word (two adjacent taps) at a time along each kernel row (KW·Cin adjacent
/// values; a row's last pairs are completed by the zero weights of <see cref="Int8Weights.RowPadded"/>,
/// so whatever they read past the row counts for nothing). Eight pixels share each weight load
/// (<see cref="Int8PairWindowKernels"/>). The same int32 sums, hence the same bits, as
/// <see cref="Int8Conv2D"/>'s gather-and-multiply; naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
/// <remarks>
/// Exactness: each <c>vpmaddwd</c> lane adds two products of a byte (0–255) and a weight (−128–127),
/// |·| ≤ 2 · 255 · 128, never its one saturating case (−32768 · −32768 twice); the int32 sums are
/// bounded by <see cref="Int8Weights.MaxK"/> as on every path.
/// </remarks>
internal static unsafe class Int8PairConv
{
    /// <summary>Whether the convolution runs here: weights packed for 512-bit <c>vpmaddwd</c>, adjacent width taps (dilation 1).</summary>
    public static bool Applies(in Conv2DGeometry g, Int8Weights w) =>
        Avx512BW.IsSupported && w.Path == Int8Path.MultiplyAdd512 && g.DilationW == 1 && g.KernelH > 0 && g.KernelW * g.InC > 0;

    /// <summary>Whether the convolution with its pool runs here (<see cref="ImagePooled"/>): <see cref="Applies"/> and the 2×2, stride-2 pool.</summary>
    public static bool AppliesPooled(in Conv2DGeometry g, in Pool2DGeometry pool, Int8Weights w) => Applies(g, w) && Int8Winograd.PoolsTiles(pool);

    /// <summary>
    /// One image (<paramref name="image"/>, InH·InW·InC bytes): output rows <paramref name="oh0"/>..<paramref name="oh1"/>−1
    /// written at pixel <paramref name="firstPixel"/> + oh·OutW of <paramref name="y"/>, a row at a time while its sums are in cache.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel, int oh0, int oh1)
    {
        if (oh0 >= oh1) return;
        if (Int8SingleChannelConv.AppliesUnpooled(g, w))
        {
            Int8SingleChannelConv.Image(g, image, w, output, y, firstPixel, oh0, oh1); // five pairs per pixel instead of six, blank pixels skipped
            return;
        }
        var packed = w.RowPadded(g.KernelH, g.KernelW * g.InC);
        int n = packed.N, outW = g.OutW;
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)outW * n);
        var window = Prepare(g, image, packed, output);
        fixed (short* pw = packed.Shorts)
        {
            for (int oh = oh0; oh < oh1; oh++)
            {
                Row(window.Frame + oh * window.RowStep, window.Step, outW, window.Offsets, window.Pairs, pw, n, acc);
                y.Finish(acc, outW, packed, output, firstPixel + (long)oh * outW);
            }
        }
    }

    /// <summary>
    /// One image followed by the 2×2, stride-2 max pool (<see cref="AppliesPooled"/>), pool rows
    /// <paramref name="ph0"/>..<paramref name="ph1"/>−1 written as bytes on (<paramref name="scale"/>,
    /// <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pooled bytes). Each pool
    /// window's four pixels are summed in registers and only their max leaves them; the epilogue
    /// is monotonic in the sum, so the bytes are the pool of the requantized pixels
    /// (<see cref="Int8ImplicitConv.ImagePooled"/>).
    /// </summary>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int ph0, int ph1)
    {
        if (ph0 >= ph1 || pool.OutW == 0) return;
        var packed = w.RowPadded(g.KernelH, g.KernelW * g.InC);
        int n = packed.N, tiles = packed.Tiles, pairs;
        var window = Prepare(g, image, packed, output);
        pairs = window.Pairs;
        long tileShorts = (long)pairs * Int8Weights.TileN * 2;
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, (long)pool.OutW * n);
        int step = window.Step;
        long rowStep = window.RowStep;
        fixed (short* weights = packed.Shorts)
        fixed (int* columnSums = packed.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            for (int ph = ph0; ph < ph1; ph++)
            {
                short* row = window.Frame + 2 * ph * rowStep;
                for (int t = 0; t < tiles; t++)
                {
                    short* tile = weights + t * tileShorts;
                    int cols = Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN);
                    int* sums = pooled + t * Int8Weights.TileN;
                    int pw = 0;
                    for (; pw + 2 <= pool.OutW; pw += 2)
                        Int8PairWindowKernels.PooledTwo(row + 2L * pw * step, step, rowStep, window.Offsets, pairs, tile, sums + (long)pw * n, n, cols);
                    if (pw < pool.OutW)
                        Int8PairWindowKernels.PooledOne(row + 2L * pw * step, step, rowStep, window.Offsets, pairs, tile, sums + (long)pw * n, cols);
                }
                Int8Epilogue.ToBytes(pooled, pool.OutW, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint, y + (long)ph * pool.OutW * n);
            }
        }
    }

    /// <summary>The sums of one output row, (OutW, N) at <paramref name="acc"/>: 8 pixels at a time (the last group overlapping the one before), tile by tile.</summary>
    private static void Row(short* row, int step, int outW, int* offsets, int pairs, short* pw, int n, int* acc)
    {
        long tileShorts = (long)pairs * Int8Weights.TileN * 2;
        int tiles = (n + Int8Weights.TileN - 1) / Int8Weights.TileN;
        if (outW < 8)
        {
            for (int p = 0; p < outW; p++)
                for (int t = 0; t < tiles; t++)
                    Int8PairWindowKernels.One(row + (long)p * step, offsets, pairs, pw + t * tileShorts, acc + (long)p * n + t * Int8Weights.TileN,
                        Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN));
            return;
        }
        for (int ow = 0; ow < outW; ow += 8)
        {
            int start = Math.Min(ow, outW - 8);
            for (int t = 0; t < tiles; t++)
                Int8PairWindowKernels.Eight(row + (long)start * step, step, offsets, pairs, pw + t * tileShorts, acc + (long)start * n + t * Int8Weights.TileN, n,
                    Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN));
        }
    }

    /// <summary>The image's int16 frame and pair offsets.</summary>
    private static Window Prepare(in Conv2DGeometry g, byte* image, Int8Weights packed, Int8Output output)
    {
        int c = g.InC, rowLength = g.KernelW * c, rowPairs = (rowLength + 3) / 4 * 2; // RowPadded's rows: whole quads
        int frameH = Math.Max(g.InH + g.PadTop, (g.OutH - 1) * g.StrideH + (g.KernelH - 1) * g.DilationH + 1);
        int frameW = Math.Max(g.InW + g.PadLeft, (g.OutW - 1) * g.StrideW + g.KernelW);
        int rowStride = frameW * c;
        long frameLength = (long)frameH * rowStride;
        // A row's last pair reads up to 3 values past the window: the frame keeps 8 more.
        short* frame = Int8Scratch.Shorts(Int8Scratch.PaddedImage, frameLength + 8);
        Widen(g, image, (short)output.InputZeroPoint, frame, frameW, frameLength + 8);
        int pairs = g.KernelH * rowPairs;
        int* offsets = Int8Scratch.Ints(Int8Scratch.Offsets, pairs);
        for (int kh = 0; kh < g.KernelH; kh++)
            for (int r = 0; r < rowPairs; r++) offsets[kh * rowPairs + r] = kh * g.DilationH * rowStride + 2 * r;
        return new Window(frame, (long)g.StrideH * rowStride, g.StrideW * c, offsets, pairs);
    }

    /// <summary>The image as int16 at (PadTop, PadLeft) of a frame <paramref name="frameW"/> pixels wide, every other value the zero point.</summary>
    private static void Widen(in Conv2DGeometry g, byte* image, short zeroPoint, short* frame, int frameW, long frameLength)
    {
        new Span<short>(frame, (int)frameLength).Fill(zeroPoint);
        int rowBytes = g.InW * g.InC;
        for (int h = 0; h < g.InH; h++)
        {
            byte* src = image + (long)h * rowBytes;
            short* dst = frame + ((long)(h + g.PadTop) * frameW + g.PadLeft) * g.InC;
            int i = 0;
            for (; i + 32 <= rowBytes; i += 32)
                Avx512BW.ConvertToVector512Int16(Vector256.Load(src + i)).Store(dst + i);
            for (; i < rowBytes; i++) dst[i] = src[i];
        }
    }

    /// <summary>An image's int16 frame with its geometry (steps in int16 values).</summary>
    private readonly struct Window(short* frame, long rowStep, int step, int* offsets, int pairs)
    {
        public short* Frame => frame;
        public long RowStep => rowStep;
        public int Step => step;
        public int* Offsets => offsets;
        public int Pairs => pairs;
    }
}
