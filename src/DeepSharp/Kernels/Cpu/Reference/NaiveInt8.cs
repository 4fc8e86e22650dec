using DeepSharp.Kernels.Cpu.Int8;

namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// Naive twins of the int8 kernels (<see cref="Int8Gemm"/>, <see cref="Int8Quantize"/>,
/// <see cref="Int8Linear"/>, <see cref="Int8Conv2D"/>, <see cref="Int8MaxPool"/>, <see cref="Int8Relu"/>): the definitions, written as loops over
/// unpacked operands. The fast kernels must give the same bits.
/// </summary>
internal static class NaiveInt8
{
    /// <summary>C[i, j] = Σ_k A[i, k] · W[k, j] in int32 (A u8 (m, k) stride lda, W s8 (k, n) row-major).</summary>
    public static void Gemm(int m, int n, int k, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<sbyte> w, Span<int> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int t = 0; t < k; t++) sum += a[i * lda + t] * w[t * n + j];
                c[i * ldc + j] = sum;
            }
    }

    /// <summary>q = clamp(round_half_even(x / scale) + zeroPoint, 0, 255); NaN → 0.</summary>
    public static byte Quantize(float x, float scale, int zeroPoint)
    {
        double v = Math.Round((double)(x / scale), MidpointRounding.ToEven) + zeroPoint;
        if (double.IsNaN(v)) return 0;
        return (byte)Math.Clamp(v, 0, 255);
    }

    /// <summary>y = epilogue(quantize(x) · W): the quantized Dense, x (m, k), W (k, n) int8.</summary>
    public static void Linear(int m, int n, int k, ReadOnlySpan<float> x, ReadOnlySpan<sbyte> w, Int8Output output, Span<float> y)
    {
        var q = new byte[m * k];
        for (int i = 0; i < q.Length; i++) q[i] = Quantize(x[i], output.InputScale, output.InputZeroPoint);
        Linear(m, n, k, q, w, output, y);
    }

    /// <summary>The quantized Dense on an input that is u8 already.</summary>
    public static void Linear(int m, int n, int k, ReadOnlySpan<byte> q, ReadOnlySpan<sbyte> w, Int8Output output, Span<float> y)
    {
        var acc = new int[m * n];
        Gemm(m, n, k, q, k, w, acc, n);
        Epilogue(m, n, k, w, acc, output, y);
    }

    /// <summary>The quantized convolution, tap by tap: padding taps read the zero point.</summary>
    public static void Conv2D(in Conv2DGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<sbyte> w, Int8Output output, Span<float> y)
    {
        var q = new byte[g.InputLength];
        for (int i = 0; i < q.Length; i++) q[i] = Quantize(x[i], output.InputScale, output.InputZeroPoint);
        Conv2D(g, q, w, output, y);
    }

    /// <summary>The quantized convolution on an input that is u8 already.</summary>
    public static void Conv2D(in Conv2DGeometry g, ReadOnlySpan<byte> q, ReadOnlySpan<sbyte> w, Int8Output output, Span<float> y)
    {
        int k = g.KernelH * g.KernelW * g.InC, n = g.OutC;
        int pixels = g.Batch * g.OutH * g.OutW;
        var acc = new int[pixels * n];
        for (int b = 0; b < g.Batch; b++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    int p = (b * g.OutH + oh) * g.OutW + ow;
                    for (int co = 0; co < n; co++)
                    {
                        int sum = 0;
                        for (int kh = 0; kh < g.KernelH; kh++)
                            for (int kw = 0; kw < g.KernelW; kw++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
                                int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                                bool inside = ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
                                for (int ci = 0; ci < g.InC; ci++)
                                {
                                    int a = inside ? q[((b * g.InH + ih) * g.InW + iw) * g.InC + ci] : output.InputZeroPoint;
                                    sum += a * w[((kh * g.KernelW + kw) * g.InC + ci) * n + co];
                                }
                            }
                        acc[p * n + co] = sum;
                    }
                }
        Epilogue(pixels, n, k, w, acc, output, y);
    }

    /// <summary>Each float quantized to u8 on (scale, zeroPoint): a u8-output kernel is its float-output twin followed by this.</summary>
    public static byte[] Quantize(ReadOnlySpan<float> y, float scale, int zeroPoint)
    {
        var q = new byte[y.Length];
        for (int i = 0; i < y.Length; i++) q[i] = Quantize(y[i], scale, zeroPoint);
        return q;
    }

    /// <summary>ReLU on u8 values: max(q, zeroPoint).</summary>
    public static void Relu(Span<byte> q, byte zeroPoint)
    {
        for (int i = 0; i < q.Length; i++) q[i] = q[i] < zeroPoint ? zeroPoint : q[i];
    }

    /// <summary>Max pooling of u8 NHWC data, window by window; padding taps are left out.</summary>
    public static void MaxPool2D(in Pool2DGeometry g, ReadOnlySpan<byte> x, Span<byte> y)
    {
        for (int b = 0; b < g.Batch; b++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int c = 0; c < g.Channels; c++)
                    {
                        byte m = 0;
                        for (int ph = 0; ph < g.PoolH; ph++)
                            for (int pw = 0; pw < g.PoolW; pw++)
                            {
                                int ih = oh * g.StrideH - g.PadTop + ph, iw = ow * g.StrideW - g.PadLeft + pw;
                                if (ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW)
                                    m = Math.Max(m, x[((b * g.InH + ih) * g.InW + iw) * g.Channels + c]);
                            }
                        y[((b * g.OutH + oh) * g.OutW + ow) * g.Channels + c] = m;
                    }
    }

    private static void Epilogue(int m, int n, int k, ReadOnlySpan<sbyte> w, int[] acc, Int8Output output, Span<float> y)
    {
        var sums = new int[n];
        for (int t = 0; t < k; t++)
            for (int j = 0; j < n; j++) sums[j] += w[t * n + j];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                y[i * n + j] = Int8Epilogue.One(acc[i * n + j], output.InputZeroPoint, sums[j], output.Scales[j],
                    output.Bias is null ? 0f : output.Bias[j], output.Bias is not null, output.Relu);
    }
}
