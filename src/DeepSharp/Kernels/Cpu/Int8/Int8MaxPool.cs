using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// 2-D max pooling of u8 NHWC activations. Quantization is monotonic, so the max of the bytes is
/// the byte of the max: pooling quantized values gives exactly what quantizing the float pool's
/// output gives. Padding taps (Keras "same") are left out of the window, as in the float kernel.
/// Naive twin: <c>Reference.NaiveInt8.MaxPool2D</c>.
/// </summary>
internal static unsafe class Int8MaxPool
{
    /// <summary>y (g.OutputLength bytes) = the max over each window of x (g.InputLength bytes), one output row per work item.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    public static void Forward(in Pool2DGeometry g, byte* x, byte* y) => Forward(g, x, y, null);

    /// <summary>The same, run now or added to <paramref name="team"/> as one stage (one item per output row).</summary>
    /// <exception cref="ArgumentException">The geometry is invalid.</exception>
    internal static void Forward(in Pool2DGeometry g, byte* x, byte* y, Int8Team? team)
    {
        g.Validate();
        int rows = g.Batch * g.OutH;
        if (rows == 0 || g.OutW == 0 || g.Channels == 0) return;
        if (team is not null) team.Add(rows, new Rows(g, x, y));
        else WorkerPool.Shared.For(rows, new Rows(g, x, y), (long)g.OutputLength * g.PoolH * g.PoolW / 8);
    }

    private sealed class Rows(Pool2DGeometry g, byte* x, byte* y) : IParallelBody
    {
        public void Execute(int index) => Row(g, x, y, index);
    }

    /// <summary>Output row <paramref name="index"/> (image index / OutH, row index % OutH) on the calling thread.</summary>
    internal static void Row(in Pool2DGeometry g, byte* x, byte* y, int index)
    {
        int b = index / g.OutH, oh = index % g.OutH, c = g.Channels;
        int h0 = Math.Max(0, oh * g.StrideH - g.PadTop), h1 = Math.Min(g.InH, oh * g.StrideH - g.PadTop + g.PoolH);
        byte* image = x + (long)b * g.InH * g.InW * c;
        byte* dst = y + (long)index * g.OutW * c;
        if (Vector128.IsHardwareAccelerated && c % 16 == 0 && h1 - h0 == 2 && g.PoolW == 2 && g.StrideW == 2 && g.PadLeft == 0 && 2 * g.OutW <= g.InW)
        {
            // The common 2×2 pool over 16·k channels: one vector per tap, no window bookkeeping.
            byte* top = image + (long)h0 * g.InW * c, bottom = top + (long)g.InW * c;
            for (int ow = 0; ow < g.OutW; ow++, dst += c, top += 2 * c, bottom += 2 * c)
            {
                int ch = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; ch + 32 <= c; ch += 32)
                        Vector256.Max(Vector256.Max(Vector256.Load(top + ch), Vector256.Load(top + c + ch)),
                            Vector256.Max(Vector256.Load(bottom + ch), Vector256.Load(bottom + c + ch))).Store(dst + ch);
                for (; ch < c; ch += 16)
                    Vector128.Max(Vector128.Max(Vector128.Load(top + ch), Vector128.Load(top + c + ch)),
                        Vector128.Max(Vector128.Load(bottom + ch), Vector128.Load(bottom + c + ch))).Store(dst + ch);
            }
            return;
        }
        for (int ow = 0; ow < g.OutW; ow++, dst += c)
        {
            int w0 = Math.Max(0, ow * g.StrideW - g.PadLeft), w1 = Math.Min(g.InW, ow * g.StrideW - g.PadLeft + g.PoolW);
            Window(image, g.InW, c, h0, h1, w0, w1, dst);
        }
    }

    /// <summary>dst[ch] = max over rows h0..h1−1 and columns w0..w1−1 (at least one of each) of the image's channel ch.</summary>
    private static void Window(byte* image, int inW, int c, int h0, int h1, int w0, int w1, byte* dst)
    {
        int ch = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; ch + 32 <= c; ch += 32)
            {
                var m = Vector256<byte>.Zero;
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        m = Vector256.Max(m, Vector256.Load(image + ((long)h * inW + w) * c + ch));
                m.Store(dst + ch);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; ch + 16 <= c; ch += 16)
            {
                var m = Vector128<byte>.Zero;
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++)
                        m = Vector128.Max(m, Vector128.Load(image + ((long)h * inW + w) * c + ch));
                m.Store(dst + ch);
            }
        }
        for (; ch < c; ch++)
        {
            byte m = 0;
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                    m = Math.Max(m, image[((long)h * inW + w) * c + ch]);
            dst[ch] = m;
        }
    }
}
