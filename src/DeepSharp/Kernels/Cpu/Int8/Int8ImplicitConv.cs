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
    /// pixels are written at pixel <paramref name="firstPixel"/> of <paramref name="y"/>. Runs on the calling thread.
    /// </summary>
    public static void Image(in Conv2DGeometry g, byte* image, Int8Weights w, Int8Output output, Int8Destination y, long firstPixel)
    {
        int c = g.InC, rowLength = g.KernelW * c, rowQuads = (rowLength + 3) / 4;
        var packed = w.RowPadded(g.KernelH, rowLength);
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
        int n = packed.N, outW = g.OutW, step = g.StrideW * c;
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)outW * n);
        fixed (sbyte* pw = packed.Bytes)
        {
            for (int oh = 0; oh < g.OutH; oh++)
            {
                byte* row = frame + (long)oh * g.StrideH * rowStride;
                Row(row, step, outW, offsets, quads, pw, n, acc);
                y.Finish(acc, outW, packed, output, firstPixel + (long)oh * outW);
            }
        }
    }

    /// <summary>The sums of one output row: 4 pixels at a time (the last group overlapping the one before), then tile pairs, then single tiles.</summary>
    private static void Row(byte* row, int step, int outW, int* offsets, int quads, sbyte* pw, int n, int* acc)
    {
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        int tiles = (n + Int8Weights.TileN - 1) / Int8Weights.TileN;
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
    private static void Frame(in Conv2DGeometry g, byte* image, byte zeroPoint, byte* frame, int frameW, int frameH)
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
