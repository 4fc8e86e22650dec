namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized 2-D convolution over NHWC float input with a (KH·KW·Cin, Cout) packed int8 kernel:
/// the input is quantized to u8 once, then each block of output pixels is gathered (im2col, the
/// padding filled with the zero point, which stands for 0.0), multiplied as u8 × s8 → s32 and
/// requantized to float NHWC output. Naive twin: <c>Reference.NaiveInt8.Conv2D</c>.
/// </summary>
internal static unsafe class Int8Conv2D
{
    /// <exception cref="ArgumentException">The weights do not match the geometry, or a span is short.</exception>
    public static void Forward(in Conv2DGeometry g, ReadOnlySpan<float> x, Int8Weights w, Int8Output output, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        g.Validate();
        if (w.K != g.KernelH * g.KernelW * g.InC || w.N != g.OutC)
            throw new ArgumentException($"Int8 Conv2D: weights ({w.K}, {w.N}) do not match kernel {g.KernelH}×{g.KernelW}×{g.InC}→{g.OutC}.");
        if (x.Length < g.InputLength || y.Length < g.OutputLength)
            throw new ArgumentException($"Int8 Conv2D: x has {x.Length} values (needs {g.InputLength}), y {y.Length} (needs {g.OutputLength}).");
        output.Check(w.N);
        int pixels = g.Batch * g.OutH * g.OutW;
        if (pixels == 0 || g.OutC == 0) return;
        byte* q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, Math.Max(1L, g.InputLength));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Int8Quantize.ToUInt8(px, g.InputLength, output.InputScale, output.InputZeroPoint, q);
            var body = new Pixels(g, q, w, output, py, pixels);
            WorkerPool.Shared.For((pixels + Int8Gemm.RowBlock - 1) / Int8Gemm.RowBlock, body, (long)pixels * w.K * w.N / 4);
        }
    }

    private sealed class Pixels(Conv2DGeometry g, byte* q, Int8Weights w, Int8Output output, float* y, int pixels) : IParallelBody
    {
        public void Execute(int index)
        {
            int p0 = index * Int8Gemm.RowBlock, rows = Math.Min(Int8Gemm.RowBlock, pixels - p0);
            int k = w.K, n = w.N;
            byte* cols = Int8Scratch.Bytes(Int8Scratch.Im2Col, Math.Max(1L, (long)rows * k));
            Im2Col(g, q, (byte)output.InputZeroPoint, p0, rows, cols);
            int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)rows * n);
            Int8Gemm.MultiplyRows(cols, k, rows, w, acc, n);
            Int8Linear.Finish(acc, rows, w, output, y + (long)p0 * n);
        }
    }

    /// <summary>Rows p0..p0+rows−1 of the (pixels, KH·KW·Cin) patch matrix; taps outside the input get <paramref name="pad"/>.</summary>
    internal static void Im2Col(in Conv2DGeometry g, byte* q, byte pad, int p0, int rows, byte* cols)
    {
        int k = g.KernelH * g.KernelW * g.InC, c = g.InC;
        for (int r = 0; r < rows; r++)
        {
            int p = p0 + r;
            int ow = p % g.OutW, rest = p / g.OutW, oh = rest % g.OutH, b = rest / g.OutH;
            byte* dst = cols + (long)r * k;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                for (int kw = 0; kw < g.KernelW; kw++, dst += c)
                {
                    int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                    if ((uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW)
                    {
                        byte* src = q + (((long)b * g.InH + ih) * g.InW + iw) * c;
                        if (c == 1) *dst = *src;
                        else new ReadOnlySpan<byte>(src, c).CopyTo(new Span<byte>(dst, c));
                    }
                    else
                    {
                        new Span<byte>(dst, c).Fill(pad);
                    }
                }
            }
        }
    }
}
