using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Keras's ReLU with a threshold, a maximum and a slope below the threshold; see
/// <see cref="NaiveGeneralizedRelu"/> for the exact contract. Both passes give the twin's bits (the
/// same operations in the same order, run by the <see cref="ElementwiseDriver"/>).
/// </summary>
internal static class GeneralizedRelu
{
    /// <summary>y = f(x) with the parameters of <paramref name="p"/>.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, GeneralizedReluParameters p)
    {
        if (y.Length < x.Length) throw new ArgumentException($"GeneralizedRelu: y holds {y.Length} elements, x {x.Length}.", nameof(y));
        ElementwiseDriver.Map(new GeneralizedReluOperator(p), x, y);
    }

    /// <summary>dx += dy·f′(x).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, GeneralizedReluParameters p)
    {
        if (dy.Length < x.Length || dx.Length < x.Length)
            throw new ArgumentException($"GeneralizedRelu backward: x holds {x.Length} elements, dy {dy.Length}, dx {dx.Length}.");
        ElementwiseDriver.Map(new GeneralizedReluBackwardOperator(p), x, dy, dx, dx);
    }
}

/// <summary>
/// The constants of <see cref="GeneralizedRelu"/>: the slope below the threshold, the threshold,
/// and the clip range [<see cref="Low"/>, <see cref="High"/>] ([0, max_value] with a maximum,
/// (−∞, ∞) without, as Keras clips only when max_value is set).
/// </summary>
internal readonly record struct GeneralizedReluParameters(float NegativeSlope, float Threshold, float Low, float High)
{
    /// <summary>Keras's parameters: <paramref name="maxValue"/> null means no clipping.</summary>
    public static GeneralizedReluParameters Create(float negativeSlope, float? maxValue, float threshold) =>
        maxValue is { } max ? new(negativeSlope, threshold, 0f, max) : new(negativeSlope, threshold, float.NegativeInfinity, float.PositiveInfinity);
}

/// <summary>x → clip(x &gt; θ ? x : 0) − slope·max(θ − x, 0).</summary>
internal readonly struct GeneralizedReluOperator(GeneralizedReluParameters p) : IUnaryOperator
{
    private readonly float _slope = p.NegativeSlope, _threshold = p.Threshold, _low = p.Low, _high = p.High;

    public float Invoke(float x)
    {
        float a = x > _threshold ? x : 0f;
        a = a < _low ? _low : a;
        a = a > _high ? _high : a;
        float t = _threshold - x;
        return a - _slope * (t > 0f ? t : 0f);
    }

    public Vector128<float> Invoke(Vector128<float> x)
    {
        var threshold = Vector128.Create(_threshold);
        var low = Vector128.Create(_low);
        var high = Vector128.Create(_high);
        var a = Vector128.ConditionalSelect(Vector128.GreaterThan(x, threshold), x, Vector128<float>.Zero);
        a = Vector128.ConditionalSelect(Vector128.LessThan(a, low), low, a);
        a = Vector128.ConditionalSelect(Vector128.GreaterThan(a, high), high, a);
        var t = threshold - x;
        return a - Vector128.Create(_slope) * Vector128.ConditionalSelect(Vector128.GreaterThan(t, Vector128<float>.Zero), t, Vector128<float>.Zero);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        var threshold = Vector256.Create(_threshold);
        var low = Vector256.Create(_low);
        var high = Vector256.Create(_high);
        var a = Vector256.ConditionalSelect(Vector256.GreaterThan(x, threshold), x, Vector256<float>.Zero);
        a = Vector256.ConditionalSelect(Vector256.LessThan(a, low), low, a);
        a = Vector256.ConditionalSelect(Vector256.GreaterThan(a, high), high, a);
        var t = threshold - x;
        return a - Vector256.Create(_slope) * Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256<float>.Zero), t, Vector256<float>.Zero);
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        var threshold = Vector512.Create(_threshold);
        var low = Vector512.Create(_low);
        var high = Vector512.Create(_high);
        var a = Vector512.ConditionalSelect(Vector512.GreaterThan(x, threshold), x, Vector512<float>.Zero);
        a = Vector512.ConditionalSelect(Vector512.LessThan(a, low), low, a);
        a = Vector512.ConditionalSelect(Vector512.GreaterThan(a, high), high, a);
        var t = threshold - x;
        return a - Vector512.Create(_slope) * Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512<float>.Zero), t, Vector512<float>.Zero);
    }
}

/// <summary>(x, dy, dx) → dx + dy·(pass + below): pass is 1 where x &gt; θ and x lies in the clip range, below is the slope where x &lt; θ.</summary>
internal readonly struct GeneralizedReluBackwardOperator(GeneralizedReluParameters p) : ITernaryOperator
{
    private readonly float _slope = p.NegativeSlope, _threshold = p.Threshold, _low = p.Low, _high = p.High;

    public float Invoke(float x, float dy, float dx)
    {
        float pass = x > _threshold & x >= _low & x <= _high ? 1f : 0f;
        float below = x < _threshold ? _slope : 0f;
        return dx + dy * (pass + below);
    }

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dx)
    {
        var threshold = Vector128.Create(_threshold);
        var inside = Vector128.GreaterThan(x, threshold) & Vector128.GreaterThanOrEqual(x, Vector128.Create(_low)) & Vector128.LessThanOrEqual(x, Vector128.Create(_high));
        var pass = Vector128.ConditionalSelect(inside, Vector128<float>.One, Vector128<float>.Zero);
        var below = Vector128.ConditionalSelect(Vector128.LessThan(x, threshold), Vector128.Create(_slope), Vector128<float>.Zero);
        return dx + dy * (pass + below);
    }

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dx)
    {
        var threshold = Vector256.Create(_threshold);
        var inside = Vector256.GreaterThan(x, threshold) & Vector256.GreaterThanOrEqual(x, Vector256.Create(_low)) & Vector256.LessThanOrEqual(x, Vector256.Create(_high));
        var pass = Vector256.ConditionalSelect(inside, Vector256<float>.One, Vector256<float>.Zero);
        var below = Vector256.ConditionalSelect(Vector256.LessThan(x, threshold), Vector256.Create(_slope), Vector256<float>.Zero);
        return dx + dy * (pass + below);
    }

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dx)
    {
        var threshold = Vector512.Create(_threshold);
        var inside = Vector512.GreaterThan(x, threshold) & Vector512.GreaterThanOrEqual(x, Vector512.Create(_low)) & Vector512.LessThanOrEqual(x, Vector512.Create(_high));
        var pass = Vector512.ConditionalSelect(inside, Vector512<float>.One, Vector512<float>.Zero);
        var below = Vector512.ConditionalSelect(Vector512.LessThan(x, threshold), Vector512.Create(_slope), Vector512<float>.Zero);
        return dx + dy * (pass + below);
    }
}
