namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="GeneralizedRelu"/>, Keras 3's <c>relu(x, negative_slope,
/// max_value, threshold)</c> written as one expression:
/// a = x &gt; θ ? x : 0, clipped to [0, max_value] only when a maximum is given (so without one,
/// inputs between a negative threshold and 0 pass through, as in Keras), then
/// y = a − slope·max(θ − x, 0). With θ = 0 and no maximum this is leaky ReLU; with slope 0,
/// θ = 0 and max 6, ReLU6. The gradient is 1 where x &gt; θ and x is inside the clip range, plus
/// the slope where x &lt; θ; the backward pass accumulates (+=).
/// </summary>
internal static class NaiveGeneralizedRelu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, GeneralizedReluParameters p)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float a = x[i] > p.Threshold ? x[i] : 0f;
            if (a < p.Low) a = p.Low;
            if (a > p.High) a = p.High;
            float below = p.Threshold - x[i];
            y[i] = a - p.NegativeSlope * (below > 0f ? below : 0f);
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, GeneralizedReluParameters p)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float pass = x[i] > p.Threshold && x[i] >= p.Low && x[i] <= p.High ? 1f : 0f;
            float below = x[i] < p.Threshold ? p.NegativeSlope : 0f;
            dx[i] += dy[i] * (pass + below);
        }
    }
}
