using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Int8 convolution with no im2col matrix (the VNNI path): an image's u8 input is copied once into
/// a padded frame (the padding filled with the zero point, which stands for 0.0), and each output
/// pixel's window is read in place from the frame, one 4-byte quad at a time along each kernel row
/// (KW·Cin adjacent bytes; a row's last quad is completed by zero weights of
/// <see cref="Int8Weights.RowPadded"/>, so whatever it reads past the row counts for nothing).
/// Four pixels of an output row share each weight load; the int32 sums of one output row go
/// through the requantizing epilogue of <see cref="Int8Destination"/> while in cache. The same
/// sums, hence the same bits, as <see cref="Int8Conv2D"/>'s gather-and-multiply.
/// </summary>
internal static unsafe class Int8ImplicitConv
{
    /// <summary>Whether the convolution runs here: the weights are packed for VNNI and the width taps are adjacent (dilation 1).</summary>
    public static bool Applies(in Conv2DGeometry g, Int8Weights w) =>
        w.Path == Int8Path.Vnni256 && g.DilationW == 1 && g.KernelH > 0 && g.KernelW * g.InC > 0;

    /// <summary>
    /// One image: <paramref name="image"/> holds its InH·InW·InC input bytes; its OutH·OutW output
    /// pixels are written at pixel <paramref name="firstPixel"/> of <paramref name="y"/>, one output
    /// row at a time while its sums are in cache. Runs on the calling thread.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel)
    {
        var packed = w.RowPadded(g.KernelH, g.KernelW * g.InC);
        int n = packed.N, outW = g.OutW;
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)outW * n);
        var window = Prepare(g, image, packed, output);
        fixed (sbyte* pw = packed.Bytes)
        {
            for (int oh = 0; oh < g.OutH; oh++)
            {
                window.Row(oh, pw, acc);
                y.Finish(acc, outW, packed, output, firstPixel + (long)oh * outW);
            }
        }
    }

    /// <summary>
    /// One image followed by max pooling, written as bytes on (<paramref name="scale"/>,
    /// <paramref name="zeroPoint"/>) at <paramref name="y"/> (the image's pool.OutH·OutW·Channels
    /// bytes). The pool takes the max of the int32 sums, before the epilogue: every step of the
    /// epilogue (subtracting the zero point's share, widening to float, multiplying by a positive
    /// scale, adding the bias, ReLU, dividing by the output scale, rounding, clamping) is
    /// monotonic, so the max of the sums requantized is the max of the requantized sums, bit for
    /// bit — and only a quarter of the pixels (2×2 pool) go through the epilogue.
    /// </summary>
    /// <remarks>
    /// A single input channel with the 2×2 pool goes to <see cref="Int8SingleChannelConv"/> (the same bytes).
    /// Part <paramref name="part"/> of <paramref name="parts"/> writes only its share of the bytes, so
    /// that threads can share one image: a slice of the channel tile pairs when the 2×2 shortcut
    /// applies and the pairs divide evenly, else a slice of the pool rows. Each part frames the
    /// image itself (in its thread's scratch).
    /// </remarks>
    public static void ImagePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int part = 0, int parts = 1)
    {
        if (Int8SingleChannelConv.Applies(g, pool))
            Int8SingleChannelConv.ImagePooled(g, pool, image, w, output, scale, zeroPoint, y, Slice(pool.OutH, part, parts), Slice(pool.OutH, part + 1, parts));
        else
            ImagePooledInPlace(g, pool, image, w, output, scale, zeroPoint, y, part, parts);
    }

    /// <summary><see cref="ImagePooled"/> on the windows read in place, whatever the input channels (the bench compares it with <see cref="Int8SingleChannelConv"/>).</summary>
    internal static void ImagePooledInPlace(in Conv2DGeometry g, in Pool2DGeometry pool, byte* image, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y,
        int part = 0, int parts = 1)
    {
        var packed = w.RowPadded(g.KernelH, g.KernelW * g.InC);
        int n = packed.N, outW = g.OutW;
        var window = Prepare(g, image, packed, output);
        if (n % 32 == 0 && pool.PoolH == 2 && pool.PoolW == 2 && pool.StrideH == 2 && pool.StrideW == 2 && pool.PadTop == 0 && pool.PadLeft == 0
            && 2 * pool.OutH <= pool.InH && 2 * pool.OutW <= pool.InW)
        {
            int pairs = n / 32;
            if (pairs % parts == 0)
                TwoByTwo(window, pool, packed, output, scale, zeroPoint, y, 0, pool.OutH, pairs / parts * part * 32, pairs / parts * (part + 1) * 32);
            else
                TwoByTwo(window, pool, packed, output, scale, zeroPoint, y, Slice(pool.OutH, part, parts), Slice(pool.OutH, part + 1, parts), 0, n);
            return;
        }
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)g.OutH * outW * n);
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, (long)pool.OutW * n);
        int ph0 = Slice(pool.OutH, part, parts), ph1 = Slice(pool.OutH, part + 1, parts);
        // Convolution rows summed so far: each pool row sums the rows it needs next, so they are pooled from L1.
        int computed = ph0 < ph1 ? Math.Max(0, ph0 * pool.StrideH - pool.PadTop) : 0;
        fixed (sbyte* weights = packed.Bytes)
        fixed (int* columnSums = packed.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            for (int ph = ph0; ph < ph1; ph++)
            {
                int h0 = Math.Max(0, ph * pool.StrideH - pool.PadTop), h1 = Math.Min(pool.InH, ph * pool.StrideH - pool.PadTop + pool.PoolH);
                for (computed = Math.Max(computed, h0); computed < h1; computed++) window.Row(computed, weights, acc + (long)computed * outW * n);
                for (int pw = 0; pw < pool.OutW; pw++)
                {
                    int w0 = Math.Max(0, pw * pool.StrideW - pool.PadLeft), w1 = Math.Min(pool.InW, pw * pool.StrideW - pool.PadLeft + pool.PoolW);
                    MaxSums(acc, outW, n, h0, h1, w0, w1, pooled + (long)pw * n);
                }
                Int8Epilogue.ToBytes(pooled, pool.OutW, n, output.InputZeroPoint, columnSums, scales, bias, output.Relu, scale, zeroPoint,
                    y + (long)ph * pool.OutW * n);
            }
        }
    }

    /// <summary>The first of part <paramref name="part"/>'s share of <paramref name="count"/> items cut into <paramref name="parts"/>.</summary>
    private static int Slice(int count, int part, int parts) => (int)((long)count * part / parts);

    /// <summary>
    /// The 2×2, stride-2 pool over whole tile pairs, pool rows <paramref name="ph0"/>..<paramref name="ph1"/>−1
    /// and channels <paramref name="c0"/>..<paramref name="c1"/>−1 (multiples of 32): each pool
    /// window's four pixels are summed in registers and only their max leaves them
    /// (<see cref="Int8WindowKernels.Pooled2x2"/>).
    /// </summary>
    private static void TwoByTwo(in Window window, in Pool2DGeometry pool, Int8Weights packed, Int8Output output, float scale, int zeroPoint, byte* y,
        int ph0, int ph1, int c0, int c1)
    {
        int n = packed.N, quads = window.Quads;
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        int* pooled = Int8Scratch.Ints(Int8Scratch.PooledSums, (long)pool.OutW * n);
        fixed (sbyte* weights = packed.Bytes)
        fixed (int* columnSums = packed.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
        {
            for (int ph = ph0; ph < ph1; ph++)
            {
                byte* row = window.Frame + 2 * ph * window.RowStep;
                for (int pw = 0; pw < pool.OutW; pw++)
                    for (int t = c0; t < c1; t += 32)
                        Int8WindowKernels.Pooled2x2(row + 2L * pw * window.Step, window.Step, window.RowStep, window.Offsets, quads,
                            weights + t / Int8Weights.TileN * tileBytes, pooled + (long)pw * n + t);
                Int8Epilogue.ToBytesStrided(pooled + c0, pool.OutW, c1 - c0, n, output.InputZeroPoint, columnSums + c0, scales + c0, bias == null ? null : bias + c0,
                    output.Relu, scale, zeroPoint, y + (long)ph * pool.OutW * n + c0);
            }
        }
    }

    /// <summary>dst[ch] = the max over rows h0..h1−1 and columns w0..w1−1 (at least one of each) of the sums' channel ch.</summary>
    private static void MaxSums(int* acc, int outW, int n, int h0, int h1, int w0, int w1, int* dst)
    {
        int ch = 0;
        if (Vector512.IsHardwareAccelerated && h1 - h0 == 2 && w1 - w0 == 2)
        {
            // The common 2×2 window: four loads and three maxima per 16 channels.
            int* top = acc + ((long)h0 * outW + w0) * n, bottom = top + (long)outW * n;
            for (; ch + 16 <= n; ch += 16)
                Vector512.Max(Vector512.Max(Vector512.Load(top + ch), Vector512.Load(top + n + ch)),
                    Vector512.Max(Vector512.Load(bottom + ch), Vector512.Load(bottom + n + ch))).Store(dst + ch);
        }
        else if (Vector512.IsHardwareAccelerated)
        {
            for (; ch + 16 <= n; ch += 16)
            {
                var m = Vector512.Load(acc + ((long)h0 * outW + w0) * n + ch);
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        m = Vector512.Max(m, Vector512.Load(acc + ((long)h * outW + w) * n + ch));
                m.Store(dst + ch);
            }
        }
        for (; ch < n; ch++)
        {
            int m = acc[((long)h0 * outW + w0) * n + ch];
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                    m = Math.Max(m, acc[((long)h * outW + w) * n + ch]);
            dst[ch] = m;
        }
    }

    /// <summary>The image's padded frame and quad offsets, ready for <see cref="Window.Row"/>.</summary>
    private static Window Prepare(in Conv2DGeometry g, byte* image, Int8Weights packed, Int8Output output)
    {
        int c = g.InC, rowLength = g.KernelW * c, rowQuads = (rowLength + 3) / 4;
        int frameH = Math.Max(g.InH + g.PadTop, (g.OutH - 1) * g.StrideH + (g.KernelH - 1) * g.DilationH + 1);
        int frameW = Math.Max(g.InW + g.PadLeft, (g.OutW - 1) * g.StrideW + g.KernelW);
        int rowStride = frameW * c;
        long frameBytes = (long)frameH * rowStride;
        // A row's last quad reads up to 3 bytes past the window: the frame keeps 4 more bytes.
        byte* frame = Int8Scratch.Bytes(Int8Scratch.PaddedImage, frameBytes + 4);
        Frame(g, image, (byte)output.InputZeroPoint, frame, frameW, frameH);
        int quads = g.KernelH * rowQuads;
        int* offsets = Int8Scratch.Ints(Int8Scratch.Offsets, quads);
        for (int kh = 0; kh < g.KernelH; kh++)
            for (int r = 0; r < rowQuads; r++) offsets[kh * rowQuads + r] = kh * g.DilationH * rowStride + 4 * r;
        return new Window(frame, (long)g.StrideH * rowStride, g.StrideW * c, g.OutW, offsets, quads, packed.N);
    }

    /// <summary>An image's frame with its geometry: the sums of any output row.</summary>
    private readonly struct Window(byte* frame, long rowStep, int step, int outW, int* offsets, int quads, int n)
    {
        public byte* Frame => frame;
        public long RowStep => rowStep;
        public int Step => step;
        public int* Offsets => offsets;
        public int Quads => quads;

        /// <summary>Output row <paramref name="oh"/>'s sums, (OutW, N) at <paramref name="acc"/>.</summary>
        public void Row(int oh, sbyte* pw, int* acc) => Sums(frame + oh * rowStep, step, outW, offsets, quads, pw, n, acc);
    }

    /// <summary>The sums of one output row: 4 pixels at a time (the last group overlapping the one before), then tile pairs, then single tiles; one full tile 8 pixels at a time where <see cref="Int8WindowKernels.EightPixels"/>.</summary>
    private static void Sums(byte* row, int step, int outW, int* offsets, int quads, sbyte* pw, int n, int* acc)
    {
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        int tiles = (n + Int8Weights.TileN - 1) / Int8Weights.TileN;
        if (n == Int8Weights.TileN && outW >= 8 && Int8WindowKernels.EightPixels)
        {
            // One full tile (Intel): 8 pixels per call, the last group overlapping the one before (the same sums again).
            for (int ow = 0; ow < outW; ow += 8)
            {
                int start = Math.Min(ow, outW - 8);
                Int8WindowKernels.Eight(row + (long)start * step, step, offsets, quads, pw, acc + (long)start * n, n);
            }
            return;
        }
        for (int ow = 0; ow < outW; ow += 4)
        {
            if (outW < 4)
            {
                for (int p = 0; p < outW; p++)
                    for (int t = 0; t < tiles; t++)
                        Int8WindowKernels.One(row + (long)p * step, offsets, quads, pw + t * tileBytes, acc + (long)p * n + t * Int8Weights.TileN,
                            Math.Min(Int8Weights.TileN, n - t * Int8Weights.TileN));
                return;
            }
            int start = Math.Min(ow, outW - 4);
            byte* a = row + (long)start * step;
            int* c = acc + (long)start * n;
            int t0 = 0;
            for (; (t0 + 2) * Int8Weights.TileN <= n; t0 += 2)
                Int8WindowKernels.Four2(a, step, offsets, quads, pw + t0 * tileBytes, c + t0 * Int8Weights.TileN, n);
            for (; t0 < tiles; t0++)
                Int8WindowKernels.Four(a, step, offsets, quads, pw + t0 * tileBytes, c + t0 * Int8Weights.TileN, n,
                    Math.Min(Int8Weights.TileN, n - t0 * Int8Weights.TileN));
        }
    }

    /// <summary>The image in a frameH × frameW frame at (PadTop, PadLeft), the rest and 4 bytes after it the zero point.</summary>
    internal static void Frame(in Conv2DGeometry g, byte* image, byte zeroPoint, byte* frame, int frameW, int frameH)
    {
        int c = g.InC;
        long frameBytes = (long)frameH * frameW * c;
        if (g.PadTop == 0 && g.PadLeft == 0 && frameW == g.InW)
        {
            long bytes = (long)g.InH * g.InW * c;
            Buffer.MemoryCopy(image, frame, bytes, bytes);
            new Span<byte>(frame + bytes, (int)(frameBytes + 4 - bytes)).Fill(zeroPoint);
            return;
        }
        new Span<byte>(frame, (int)(frameBytes + 4)).Fill(zeroPoint);
        int rowBytes = g.InW * c;
        for (int h = 0; h < g.InH; h++)
            Buffer.MemoryCopy(image + (long)h * rowBytes, frame + ((long)(h + g.PadTop) * frameW + g.PadLeft) * c, rowBytes, rowBytes);
    }
}
