using System.Numerics;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// Data movement shared by the convolution passes: weight packing, im2col of one output pixel
/// and its inverse. K = KH·KW·Cin is the reduction length, indexed (kh, kw, ci) as the kernel is.
/// </summary>
internal static unsafe class ConvLayout
{
    /// <summary>
    /// dst[r, 0..np) = src[r, 0..cols), zero past cols: the kernel as (K, np), the bias, or dy
    /// rows, padded to the micro-kernel's block width.
    /// </summary>
    public static void PadRows(float* src, int rows, int cols, int np, float* dst)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + r * cols, cols).CopyTo(new Span<float>(dst + r * np, cols));
            new Span<float>(dst + r * np + cols, np - cols).Clear();
        }
    }

    /// <summary>
    /// acc[0..cols) += Σ_r src[r, 0..cols) (a bias gradient's partial sum). A strip of columns is
    /// summed in registers over all the rows, in four interleaved partial sums (rows r ≡ 0, 1, 2, 3
    /// mod 4, added as (s0 + s1) + (s2 + s3)) so that the adds do not wait on each other; the
    /// order depends on the row count only, so the result does not depend on the thread count.
    /// </summary>
    public static void SumRowsInto(float* src, int rows, int cols, float* acc)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= cols; j += 16)
            {
                float* s = src + j;
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                int r = 0;
                for (; r + 4 <= rows; r += 4, s += 4 * cols)
                {
                    s0 += Vector512.Load(s);
                    s1 += Vector512.Load(s + cols);
                    s2 += Vector512.Load(s + 2 * cols);
                    s3 += Vector512.Load(s + 3 * cols);
                }
                for (; r < rows; r++, s += cols) s0 += Vector512.Load(s);
                (Vector512.Load(acc + j) + ((s0 + s1) + (s2 + s3))).Store(acc + j);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            int vw = Vector<float>.Count;
            for (; j + vw <= cols; j += vw)
            {
                float* s = src + j;
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                int r = 0;
                for (; r + 4 <= rows; r += 4, s += 4 * cols)
                {
                    s0 += Vector.Load(s);
                    s1 += Vector.Load(s + cols);
                    s2 += Vector.Load(s + 2 * cols);
                    s3 += Vector.Load(s + 3 * cols);
                }
                for (; r < rows; r++, s += cols) s0 += Vector.Load(s);
                (Vector.Load(acc + j) + ((s0 + s1) + (s2 + s3))).Store(acc + j);
            }
        }
        for (; j < cols; j++)
        {
            float* s = src + j;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int r = 0;
            for (; r + 4 <= rows; r += 4, s += 4 * cols)
            {
                s0 += s[0];
                s1 += s[cols];
                s2 += s[2 * cols];
                s3 += s[3 * cols];
            }
            for (; r < rows; r++, s += cols) s0 += *s;
            acc[j] += (s0 + s1) + (s2 + s3);
        }
    }

    /// <summary>
    /// Copies image rows [top, top + rows) (H, W, C) into dst as a zero-padded band of
    /// <paramref name="rows"/> × <paramref name="width"/> pixels whose column 0 is image column
    /// −<paramref name="padLeft"/>: rows and columns outside the image are zeros.
    /// </summary>
    public static void CopyPaddedBand(float* image, int height, int imageWidth, int c, int top, int rows, int padLeft, int width, float* dst)
    {
        int left = Math.Min(padLeft, width), count = Math.Clamp(width - padLeft, 0, imageWidth);
        for (int r = 0; r < rows; r++, dst += (long)width * c)
        {
            int ih = top + r;
            if ((uint)ih >= (uint)height)
            {
                new Span<float>(dst, width * c).Clear();
                continue;
            }
            new Span<float>(dst, left * c).Clear();
            KernelBounds.Range((long)ih * imageWidth * c, (long)count * c, (long)height * imageWidth * c);
            new ReadOnlySpan<float>(image + (long)ih * imageWidth * c, count * c).CopyTo(new Span<float>(dst + left * c, count * c));
            new Span<float>(dst + (left + count) * c, (width - left - count) * c).Clear();
        }
    }

    /// <summary>dst[co, 0..kp) = w[0..K, co], zero past K. (Cout, kp)</summary>
    public static void PackKernelTransposed(float* w, int k, int cout, int kp, float* dst)
    {
        for (int co = 0; co < cout; co++)
        {
            float* row = dst + co * kp;
            for (int r = 0; r < k; r++) row[r] = w[r * cout + co];
            new Span<float>(row + k, kp - k).Clear();
        }
    }

    /// <summary>Writes the K inputs that output pixel (oh, ow) of one image sees; zero outside.</summary>
    public static void Im2ColPixel(float* image, in Conv2DGeometry g, int oh, int ow, float* dst)
    {
        int cin = g.InC;
        for (int kh = 0; kh < g.KernelH; kh++)
        {
            int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
            for (int kw = 0; kw < g.KernelW; kw++, dst += cin)
            {
                int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                if ((uint)ih < (uint)g.InH && (uint)iw < (uint)g.InW)
                {
                    KernelBounds.Range((ih * g.InW + iw) * cin, cin, (long)g.InH * g.InW * cin);
                    float* src = image + (ih * g.InW + iw) * cin;
                    if (cin == 1) *dst = *src;
                    else new ReadOnlySpan<float>(src, cin).CopyTo(new Span<float>(dst, cin));
                }
                else
                {
                    new Span<float>(dst, cin).Clear();
                }
            }
        }
    }

    /// <summary>Adds the K gradients of output pixel (oh, ow) back onto the inputs it saw.</summary>
    public static void Col2ImPixel(float* src, in Conv2DGeometry g, int oh, int ow, float* image)
    {
        int cin = g.InC;
        for (int kh = 0; kh < g.KernelH; kh++)
        {
            int ih = oh * g.StrideH - g.PadTop + kh * g.DilationH;
            if ((uint)ih >= (uint)g.InH)
            {
                src += g.KernelW * cin;
                continue;
            }
            for (int kw = 0; kw < g.KernelW; kw++, src += cin)
            {
                int iw = ow * g.StrideW - g.PadLeft + kw * g.DilationW;
                if ((uint)iw >= (uint)g.InW) continue;
                KernelBounds.Range((ih * g.InW + iw) * cin, cin, (long)g.InH * g.InW * cin);
                AddTo(image + (ih * g.InW + iw) * cin, src, cin);
            }
        }
    }

    /// <summary>
    /// As <see cref="Col2ImPixel"/> for a pixel whose window lies inside the input: adds the
    /// Cin-long runs of src for each of the KH·KW taps at corner + tapOffsets[tap].
    /// </summary>
    public static void Col2ImInterior(float* src, int taps, int cin, int* tapOffsets, float* corner)
    {
        for (int t = 0; t < taps; t++, src += cin) AddTo(corner + tapOffsets[t], src, cin);
    }

    /// <summary>dst[0..count) += src[0..count).</summary>
    private static void AddTo(float* dst, float* src, int count)
    {
        if (count < 8)
        {
            for (int i = 0; i < count; i++) dst[i] += src[i];
            return;
        }
        var total = new Span<float>(dst, count);
        ElementwiseDriver.Map(default(AddOperator), total, new ReadOnlySpan<float>(src, count), total);
    }

    /// <summary>
    /// The offset of each kernel tap (kh, kw, ci) from a window's first input element in an NHWC image, in the
    /// direct micro-kernel's (kh, kw, ci) order: KernelH × KernelW × InC entries written to <paramref name="taps"/>.
    /// </summary>
    public static void FillTaps(int* taps, in Conv2DGeometry g)
    {
        for (int kh = 0, r = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
                for (int ci = 0; ci < g.InC; ci++, r++)
                    taps[r] = (kh * g.DilationH * g.InW + kw * g.DilationW) * g.InC + ci;
    }

    /// <summary>The smallest and largest entry of an offset table (for bounds assertions; (0, −1) when empty).</summary>
    public static (long Min, long Max) TableRange(int* table, int count)
    {
        if (count == 0) return (0, -1);
        long min = table[0], max = table[0];
        for (int i = 1; i < count; i++)
        {
            min = Math.Min(min, table[i]);
            max = Math.Max(max, table[i]);
        }
        return (min, max);
    }

    /// <summary>Output columns [lo, hi) whose windows lie inside the input along the width.</summary>
    public static (int Lo, int Hi) InteriorColumns(in Conv2DGeometry g)
    {
        int lo = Math.Max(0, (g.PadLeft + g.StrideW - 1) / g.StrideW);
        int last = g.InW - 1 - (g.KernelW - 1) * g.DilationW + g.PadLeft;
        int hi = last < 0 ? 0 : Math.Min(g.OutW, last / g.StrideW + 1);
        return (Math.Min(lo, hi), hi);
    }

    /// <summary>Whether every kernel row of output row <paramref name="oh"/> lies inside the input.</summary>
    public static bool RowInterior(in Conv2DGeometry g, int oh)
    {
        int top = oh * g.StrideH - g.PadTop;
        return top >= 0 && top + (g.KernelH - 1) * g.DilationH < g.InH;
    }
}
