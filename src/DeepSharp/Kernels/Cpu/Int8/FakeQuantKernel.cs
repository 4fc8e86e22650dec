namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Fake quantization for quantization-aware training: values rounded to the grid the int8 model
/// will use, kept in float. Forward: y = (clamp(round(x / s) + z, 0, 255) − z) · s (the u8
/// activation grid of <see cref="Int8Quantize"/>) or, per output channel, round(w / s_c) clamped to
/// [−127, 127] times s_c with s_c = max|w_c| / 127 (the int8 kernel grid). Backward is the
/// straight-through estimator: the gradient passes unchanged where x lies inside the grid's range
/// and is 0 where x was clipped. Naive twin: <c>Reference.NaiveInt8.Quantize</c> composed with the dequantization.
/// </summary>
internal static class FakeQuantKernel
{
    /// <summary>y = dequantize(quantize(x)) on the u8 grid of (scale, zeroPoint).</summary>
    public static void Activations(ReadOnlySpan<float> x, float scale, int zeroPoint, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = (Int8Quantize.One(x[i], scale, zeroPoint) - zeroPoint) * scale;
    }

    /// <summary>dx += dy where the grid of (scale, zeroPoint) holds x (−z·s ≤ x ≤ (255 − z)·s), the straight-through estimator.</summary>
    public static void ActivationsBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float scale, int zeroPoint, Span<float> dx)
    {
        float low = -zeroPoint * scale, high = (255 - zeroPoint) * scale;
        for (int i = 0; i < x.Length; i++)
            if (x[i] >= low && x[i] <= high) dx[i] += dy[i];
    }

    /// <summary>Per-channel symmetric int8 along the last axis (<paramref name="channels"/> wide): y = q · s_c.</summary>
    public static void Channels(ReadOnlySpan<float> w, int channels, Span<float> y)
    {
        Span<float> scales = channels <= 1024 ? stackalloc float[channels] : new float[channels];
        scales.Clear();
        for (int i = 0; i < w.Length; i++) scales[i % channels] = Math.Max(scales[i % channels], Math.Abs(w[i]));
        for (int j = 0; j < channels; j++) scales[j] = scales[j] > 0f ? scales[j] / 127f : 1f;
        for (int i = 0; i < w.Length; i++)
        {
            float s = scales[i % channels];
            y[i] = Math.Clamp(MathF.Round(w[i] / s), -127f, 127f) * s;
        }
    }
}
