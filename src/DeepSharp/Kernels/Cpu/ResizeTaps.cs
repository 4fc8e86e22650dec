using System.Collections.Concurrent;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// How one axis of a resize reads its input: output o is Σₖ Weight[o·Width + k] · input[Index[o·Width + k]], k &lt; Width
/// (unused taps have weight 0). Built as TensorFlow's <c>tf.image.resize</c> builds them, positions in float as it
/// computes them; tables are cached per (method, antialias, sizes), so a training step allocates none.
/// </summary>
internal sealed class ResizeTaps
{
    private const float SmallestNormal = 1000f * 1.17549435e-38f; // 1000 · FLT_MIN, TensorFlow's "nearly zero" sum
    private static readonly ConcurrentDictionary<(ResizeMethod, bool, int, int), ResizeTaps> Cache = new();

    private ResizeTaps(int inSize, int outSize, int width)
    {
        (InSize, OutSize, Width) = (inSize, outSize, width);
        Index = new int[outSize * width];
        Weight = new float[outSize * width];
    }

    public int InSize { get; }
    public int OutSize { get; }
    /// <summary>Taps per output position.</summary>
    public int Width { get; }
    public int[] Index { get; }
    public float[] Weight { get; }

    /// <summary>
    /// The taps of <c>tf.image.resize(method, antialias)</c> along an axis of <paramref name="inSize"/> → <paramref name="outSize"/>:
    /// bilinear without antialiasing is <c>resize_bilinear</c> (half-pixel), bicubic without it <c>resize_bicubic</c>
    /// (half-pixel, Keys a = −0.5), area is <c>resize_area</c> whatever the flag; every other case is
    /// <c>scale_and_translate</c> with the method's filter, stretched by in/out when shrinking with antialiasing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static ResizeTaps For(ResizeMethod method, bool antialias, int inSize, int outSize)
    {
        if (inSize < 1 || outSize < 1)
            throw new ArgumentOutOfRangeException(nameof(inSize), $"Resize taps need sizes ≥ 1, got {inSize} → {outSize}.");
        if (method == ResizeMethod.Area) antialias = false;
        return Cache.GetOrAdd((method, antialias, inSize, outSize), static key => key.Item1 switch
        {
            ResizeMethod.Area => Area(key.Item3, key.Item4),
            ResizeMethod.Bilinear when !key.Item2 => HalfPixelBilinear(key.Item3, key.Item4),
            ResizeMethod.Bicubic when !key.Item2 => HalfPixelKeysCubic(key.Item3, key.Item4),
            _ => ScaleAndTranslate(key.Item1, key.Item2, key.Item3, key.Item4),
        });
    }

    private static ResizeTaps HalfPixelBilinear(int inSize, int outSize)
    {
        var taps = new ResizeTaps(inSize, outSize, 2);
        for (int o = 0; o < outSize; o++)
        {
            var (i0, i1, w) = ResizeGeometry.BilinearTap(o, inSize, outSize);
            taps.Set(o, 0, i0, 1f - w);
            taps.Set(o, 1, i1, w);
        }
        return taps;
    }

    /// <summary>
    /// TensorFlow's <c>resize_bicubic</c> with half-pixel centres: position p = (o + ½)·(in/out) − ½, taps ⌊p⌋ − 1 … ⌊p⌋ + 2
    /// with Keys's weights at the fraction rounded to 1/1024 (TensorFlow reads them from a 1025-entry table); taps outside
    /// the image get weight 0 and the rest are renormalised to sum to 1.
    /// </summary>
    private static ResizeTaps HalfPixelKeysCubic(int inSize, int outSize)
    {
        const int TableSize = 1024;
        var taps = new ResizeTaps(inSize, outSize, 4);
        float scale = (float)inSize / outSize;
        Span<float> w = stackalloc float[4];
        for (int o = 0; o < outSize; o++)
        {
            float position = (o + 0.5f) * scale - 0.5f;
            int floor = (int)MathF.Floor(position);
            int offset = (int)MathF.Round((position - floor) * TableSize, MidpointRounding.ToEven);
            (w[0], w[1], w[2], w[3]) = (KeysOuter(offset, TableSize), KeysInner(offset, TableSize), KeysInner(TableSize - offset, TableSize), KeysOuter(TableSize - offset, TableSize));
            float sum = 0f;
            for (int k = 0; k < 4; k++)
            {
                int i = floor - 1 + k;
                if (i < 0 || i >= inSize) w[k] = 0f;
                sum += w[k];
                taps.Set(o, k, Math.Clamp(i, 0, inSize - 1), w[k]);
            }
            taps.Normalize(o, sum);
        }
        return taps;
    }

    /// <summary>TensorFlow's table entry for Keys's cubic (a = −0.5) at distance x = i/size ≤ 1: ((a + 2)x − (a + 3))x² + 1, in double from a float x.</summary>
    private static float KeysInner(int i, int size)
    {
        const double A = -0.5;
        double x = (float)(i * 1.0 / size);
        return (float)(((A + 2) * x - (A + 3)) * x * x + 1);
    }

    /// <summary>TensorFlow's table entry for Keys's cubic at distance x = 1 + i/size: ((a·x − 5a)x + 8a)x − 4a.</summary>
    private static float KeysOuter(int i, int size)
    {
        const double A = -0.5;
        double x = (float)(i * 1.0 / size) + 1.0;
        return (float)(((A * x - 5 * A) * x + 8 * A) * x - 4 * A);
    }

    /// <summary>
    /// TensorFlow's <c>resize_area</c>: scale = in/out; output o averages input cells over [o·scale, (o + 1)·scale),
    /// each weighted by its overlap over scale (indices past the edge read the last pixel).
    /// </summary>
    private static ResizeTaps Area(int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        int width = 1;
        for (int o = 0; o < outSize; o++)
            width = Math.Max(width, (int)MathF.Ceiling((o + 1) * scale) - (int)MathF.Floor(o * scale));
        var taps = new ResizeTaps(inSize, outSize, width);
        for (int o = 0; o < outSize; o++)
        {
            float start = o * scale, end = (o + 1) * scale;
            int first = (int)MathF.Floor(start), last = (int)MathF.Ceiling(end);
            for (int i = first; i < last; i++)
            {
                float overlap = i < start ? (i + 1 > end ? scale : i + 1 - start) : (i + 1 > end ? end - i : 1f);
                taps.Set(o, i - first, Math.Min(i, inSize - 1), overlap / scale);
            }
        }
        return taps;
    }

    /// <summary>
    /// TensorFlow's <c>scale_and_translate</c> with translation 0: scale = out/in (float), the sample of output o at
    /// (o + ½)/scale; the filter is stretched by k = max(1/scale, 1) when antialiasing (else k = 1) and read at
    /// (i + ½ − sample)/k for the inputs i within its radius·k; weights are renormalised to sum to 1.
    /// </summary>
    private static ResizeTaps ScaleAndTranslate(ResizeMethod method, bool antialias, int inSize, int outSize)
    {
        float scale = (float)outSize / inSize;
        float inverseScale = (float)(1.0 / scale);
        float kernelScale = antialias ? MathF.Max(inverseScale, 1f) : 1f;
        float reach = ResizeFilter.Radius(method) * kernelScale, oneOverKernelScale = 1f / kernelScale;
        var taps = new ResizeTaps(inSize, outSize, Math.Min(2 * (int)MathF.Ceiling(reach) + 1, inSize));
        for (int o = 0; o < outSize; o++)
        {
            float sample = (o + 0.5f) * inverseScale;
            if (sample < 0f || sample > inSize) continue;
            int start = Math.Clamp((int)MathF.Ceiling(sample - reach - 0.5f), 0, inSize - 1);
            int end = Math.Clamp((int)MathF.Floor(sample + reach - 0.5f), 0, inSize - 1) + 1;
            float sum = 0f;
            for (int i = start; i < end; i++)
            {
                float w = ResizeFilter.Weight(method, (i + 0.5f - sample) * oneOverKernelScale);
                taps.Set(o, i - start, i, w);
                sum += w;
            }
            taps.Normalize(o, sum);
        }
        return taps;
    }

    private void Set(int o, int k, int index, float weight)
    {
        if (k >= Width) throw new InvalidOperationException($"Resize taps {InSize} → {OutSize}: tap {k} of output {o} past the width {Width}.");
        Index[o * Width + k] = index;
        Weight[o * Width + k] = weight;
    }

    /// <summary>Divides output o's weights by their sum, as TensorFlow does when the sum is not (nearly) zero.</summary>
    private void Normalize(int o, float sum)
    {
        if (MathF.Abs(sum) < SmallestNormal) return;
        float inverse = 1f / sum;
        for (int k = 0; k < Width; k++) Weight[o * Width + k] *= inverse;
    }
}
