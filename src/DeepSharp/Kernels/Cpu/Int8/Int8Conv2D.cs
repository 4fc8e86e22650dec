namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized 2-D convolution over NHWC float input with a (KH·KW·Cin, Cout) packed int8 kernel:
/// the input is quantized to u8 once, then each block of output pixels is gathered (im2col, the
/// padding filled with the zero point, which stands for 0.0), multiplied as u8 × s8 → s32 and
/// requantized to float NHWC output or to the next layer's u8 grid
/// (<see cref="Int8Destination"/>); a u8 input skips the quantization. On the VNNI path the
/// windows are read in place instead, image by image (<see cref="Int8ImplicitConv"/>), and so
/// they are on 512-bit <c>vpmaddwd</c> from an int16 frame (<see cref="Int8PairConv"/>). Naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
internal static unsafe class Int8Conv2D
{
    /// <exception cref="ArgumentException">The weights do not match the geometry, or a span is short.</exception>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, Int8Weights w, Int8Output output, Span<float> y)
    {
        Check(g, w, output);
        if (x.Length < g.InputLength || y.Length < g.OutputLength)
            throw new ArgumentException($"Int8 Conv2D: x has {x.Length} values (needs {g.InputLength}), y {y.Length} (needs {g.OutputLength}).");
        if (g.Batch * g.OutH * g.OutW == 0 || g.OutC == 0) return;
        byte* q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, Math.Max(1L, g.InputLength));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Int8Quantize.ToUInt8(px, g.InputLength, output.InputScale, output.InputZeroPoint, q);
            Run(g, q, w, output, Int8Destination.ToFloats(py), null);
        }
    }

    /// <summary>
    /// The form whose input is u8 already (<paramref name="q"/>, g.InputLength bytes quantized with
    /// the output's input scale and zero point), writing floats or the next layer's u8.
    /// </summary>
    /// <exception cref="ArgumentException">The weights do not match the geometry.</exception>
    public static void Forward(in Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y) => Forward(g, q, w, output, y, null);

    /// <summary>The same, run now or added to <paramref name="team"/> as one stage (images, or blocks of output pixels).</summary>
    /// <exception cref="ArgumentException">The weights do not match the geometry.</exception>
    internal static void Forward(in Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y, Int8Team? team)
    {
        Check(g, w, output);
        if (g.Batch * g.OutH * g.OutW == 0 || g.OutC == 0) return;
        Run(g, q, w, output, y, team);
    }

    private static void Check(in Conv2DGeometry g, Int8Weights w, Int8Output output)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        g.Validate();
        if (w.K != g.KernelH * g.KernelW * g.InC || w.N != g.OutC)
            throw new ArgumentException($"Int8 Conv2D: weights ({w.K}, {w.N}) do not match kernel {g.KernelH}×{g.KernelW}×{g.InC}→{g.OutC}.");
        output.Check(w.N);
    }

    private static void Run(in Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y, Int8Team? team)
    {
        int pixels = g.Batch * g.OutH * g.OutW;
        IParallelBody body;
        int count;
        if (Int8Winograd.Applies(g, w) || Int8ImplicitConv.Applies(g, w) || Int8PairConv.Applies(g, w))
            (body, count) = (new Images(g, q, w, output, y), g.Batch);
        else
            (body, count) = (new Pixels(g, q, w, output, y, pixels), (pixels + Int8Gemm.RowBlock - 1) / Int8Gemm.RowBlock);
        if (team is not null) team.Add(count, body);
        else WorkerPool.Shared.For(count, body, (long)pixels * w.K * w.N / 4);
    }

    private sealed class Pixels(Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y, int pixels) : IParallelBody
    {
        public void Execute(int index)
        {
            int p0 = index * Int8Gemm.RowBlock;
            Block(g, q, w, output, y, p0, Math.Min(Int8Gemm.RowBlock, pixels - p0));
        }
    }

    private sealed class Images(Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y) : IParallelBody
    {
        public void Execute(int b)
        {
            byte* image = q + (long)b * g.InH * g.InW * g.InC;
            if (Int8Winograd.Applies(g, w)) Int8Winograd.Image(g, image, w, output, y, (long)b * g.OutH * g.OutW);
            else if (Int8ImplicitConv.Applies(g, w)) Int8ImplicitConv.Image(g, image, w, output, y, (long)b * g.OutH * g.OutW);
            else if (Int8Winograd4.Applies(g, w)) Int8Winograd4.Image(g, image, w, output, y, (long)b * g.OutH * g.OutW); // 3×3 without VNNI
            else Int8PairConv.Image(g, image, w, output, y, (long)b * g.OutH * g.OutW, 0, g.OutH);
        }
    }

    /// <summary>Output pixels p0..p0+rows−1 on the calling thread: gather, multiply, requantize.</summary>
    internal static void Block(in Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, Int8Destination y, int p0, int rows)
    {
        int k = w.K, n = w.N;
        byte* cols = Int8Scratch.Bytes(Int8Scratch.Im2Col, (long)rows * k + Int8Gemm.Slack);
        Im2Col(g, q, (byte)output.InputZeroPoint, p0, rows, cols);
        int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)rows * n);
        Int8Gemm.MultiplyRows(cols, k, rows, w, acc, n, readable: true);
        y.Finish(acc, rows, w, output, p0);
    }

    /// <summary>A byte loop for the short runs of few input channels (a 3×3 kernel over one channel copies 3 bytes at a time), memcpy otherwise.</summary>
    private static void Copy(byte* dst, byte* src, int length)
    {
        if (length < 32)
        {
            for (int i = 0; i < length; i++) dst[i] = src[i];
        }
        else System.Runtime.CompilerServices.Unsafe.CopyBlockUnaligned(dst, src, (uint)length);
    }

    /// <summary>Rows p0..p0+rows−1 of the (pixels, KH·KW·Cin) patch matrix; taps outside the input get <paramref name="pad"/>.</summary>
    /// <remarks>
    /// Walks the output positions in order (no division per row); a window wholly inside the input
    /// copies each kernel row's KW·Cin bytes at once when the taps are adjacent (dilation 1).
    /// </remarks>
    internal static void Im2Col(in Conv2DGeometry g, byte* q, byte pad, int p0, int rows, byte* cols)
    {
        int k = g.KernelH * g.KernelW * g.InC, c = g.InC;
        int spanH = (g.KernelH - 1) * g.DilationH, spanW = (g.KernelW - 1) * g.DilationW;
        int rowBytes = g.KernelW * c;
        bool adjacent = g.DilationW == 1;
        int ow = p0 % g.OutW, rest = p0 / g.OutW, oh = rest % g.OutH, b = rest / g.OutH;
        for (int r = 0; r < rows; r++)
        {
            byte* dst = cols + (long)r * k;
            int ih0 = oh * g.StrideH - g.PadTop, iw0 = ow * g.StrideW - g.PadLeft;
            byte* image = q + (long)b * g.InH * g.InW * c;
            if (adjacent && ih0 >= 0 && iw0 >= 0 && ih0 + spanH < g.InH && iw0 + spanW < g.InW)
            {
                for (int kh = 0; kh < g.KernelH; kh++, dst += rowBytes)
                    Copy(dst, image + ((long)(ih0 + kh * g.DilationH) * g.InW + iw0) * c, rowBytes);
            }
            else
            {
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int ih = ih0 + kh * g.DilationH;
                    for (int kw = 0; kw < g.KernelW; kw++, dst += c)
                    {
                        int iw = iw0 + kw * g.DilationW;
                        if ((uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW)
                            Copy(dst, image + ((long)ih * g.InW + iw) * c, c);
                        else
                            new Span<byte>(dst, c).Fill(pad);
                    }
                }
            }
            if (++ow == g.OutW)
            {
                ow = 0;
                if (++oh == g.OutH)
                {
                    oh = 0;
                    b++;
                }
            }
        }
    }
}
