using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Φ(x) and e^(−x²/2) per width, the steps of <see cref="GeluKernel"/>'s implementation notes in
/// float arithmetic only: the exponential is <see cref="FloatExp"/>, the series is Horner's rule by
/// explicit fused multiply-adds, so the scalar form (a tail element) gives a vector element's bits.
/// </summary>
internal static class GeluMath
{
    internal const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;
    internal const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    public static float Cdf(float x, out float e)
    {
        float z = MathF.Abs(x) * InvSqrt2;
        e = FloatExp.Of(-(z * z));
        float t = 1f / MathF.FusedMultiplyAdd(z, P, 1f);
        float poly = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(A5, t, A4), t, A3), t, A2), t, A1) * t;
        return MathF.FusedMultiplyAdd(MathF.CopySign(MathF.FusedMultiplyAdd(-poly, e, 1f), x), 0.5f, 0.5f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Cdf(Vector128<float> x, out Vector128<float> e)
    {
        var z = Vector128.Abs(x) * Vector128.Create(InvSqrt2);
        e = FloatExp.Of(-(z * z));
        var t = Vector128<float>.One / Vector128.FusedMultiplyAdd(z, Vector128.Create(P), Vector128<float>.One);
        var poly = Vector128.FusedMultiplyAdd(Vector128.Create(A5), t, Vector128.Create(A4));
        poly = Vector128.FusedMultiplyAdd(poly, t, Vector128.Create(A3));
        poly = Vector128.FusedMultiplyAdd(poly, t, Vector128.Create(A2));
        poly = Vector128.FusedMultiplyAdd(poly, t, Vector128.Create(A1)) * t;
        var s = Vector128.CopySign(Vector128.FusedMultiplyAdd(-poly, e, Vector128<float>.One), x);
        return Vector128.FusedMultiplyAdd(s, Vector128.Create(0.5f), Vector128.Create(0.5f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Cdf(Vector256<float> x, out Vector256<float> e)
    {
        var z = Vector256.Abs(x) * Vector256.Create(InvSqrt2);
        e = FloatExp.Of(-(z * z));
        var t = Vector256<float>.One / Vector256.FusedMultiplyAdd(z, Vector256.Create(P), Vector256<float>.One);
        var poly = Vector256.FusedMultiplyAdd(Vector256.Create(A5), t, Vector256.Create(A4));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(A3));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(A2));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(A1)) * t;
        var s = Vector256.CopySign(Vector256.FusedMultiplyAdd(-poly, e, Vector256<float>.One), x);
        return Vector256.FusedMultiplyAdd(s, Vector256.Create(0.5f), Vector256.Create(0.5f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Cdf(Vector512<float> x, out Vector512<float> e)
    {
        var z = Vector512.Abs(x) * Vector512.Create(InvSqrt2);
        e = FloatExp.Of(-(z * z));
        var t = Vector512<float>.One / Vector512.FusedMultiplyAdd(z, Vector512.Create(P), Vector512<float>.One);
        var poly = Vector512.FusedMultiplyAdd(Vector512.Create(A5), t, Vector512.Create(A4));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(A3));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(A2));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(A1)) * t;
        var s = Vector512.CopySign(Vector512.FusedMultiplyAdd(-poly, e, Vector512<float>.One), x);
        return Vector512.FusedMultiplyAdd(s, Vector512.Create(0.5f), Vector512.Create(0.5f));
    }
}

/// <summary>x → x·Φ(x).</summary>
internal readonly struct GeluOperator : IUnaryOperator
{
    public float Invoke(float x) => x * GeluMath.Cdf(x, out _);
    public Vector128<float> Invoke(Vector128<float> x) => x * GeluMath.Cdf(x, out _);
    public Vector256<float> Invoke(Vector256<float> x) => x * GeluMath.Cdf(x, out _);
    public Vector512<float> Invoke(Vector512<float> x) => x * GeluMath.Cdf(x, out _);
}

/// <summary>(x, dy) → dy·f′(x), f′ = fma(x, e·(1/√(2π)), Φ).</summary>
internal readonly struct GeluBackwardOperator : IBinaryOperator
{
    public float Invoke(float x, float dy) => dy * MathF.FusedMultiplyAdd(x, Density(x, out float cdf), cdf);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy)
        => dy * Vector128.FusedMultiplyAdd(x, Density(x, out var cdf), cdf);

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy)
        => dy * Vector256.FusedMultiplyAdd(x, Density(x, out var cdf), cdf);

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy)
        => dy * Vector512.FusedMultiplyAdd(x, Density(x, out var cdf), cdf);

    /// <summary>φ(x) = e^(−x²/2)/√(2π); Φ(x) in <paramref name="cdf"/>.</summary>
    internal static float Density(float x, out float cdf)
    {
        cdf = GeluMath.Cdf(x, out float e);
        return e * GeluMath.InvSqrt2Pi;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Density(Vector128<float> x, out Vector128<float> cdf)
    {
        cdf = GeluMath.Cdf(x, out var e);
        return e * Vector128.Create(GeluMath.InvSqrt2Pi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Density(Vector256<float> x, out Vector256<float> cdf)
    {
        cdf = GeluMath.Cdf(x, out var e);
        return e * Vector256.Create(GeluMath.InvSqrt2Pi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Density(Vector512<float> x, out Vector512<float> cdf)
    {
        cdf = GeluMath.Cdf(x, out var e);
        return e * Vector512.Create(GeluMath.InvSqrt2Pi);
    }
}

/// <summary>(x, dy, dx) → fma(dy, f′(x), dx).</summary>
internal readonly struct GeluBackwardAccumulateOperator : ITernaryOperator
{
    public float Invoke(float x, float dy, float dx)
        => MathF.FusedMultiplyAdd(dy, MathF.FusedMultiplyAdd(x, GeluBackwardOperator.Density(x, out float cdf), cdf), dx);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> dy, Vector128<float> dx)
        => Vector128.FusedMultiplyAdd(dy, Vector128.FusedMultiplyAdd(x, GeluBackwardOperator.Density(x, out var cdf), cdf), dx);

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy, Vector256<float> dx)
        => Vector256.FusedMultiplyAdd(dy, Vector256.FusedMultiplyAdd(x, GeluBackwardOperator.Density(x, out var cdf), cdf), dx);

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> dy, Vector512<float> dx)
        => Vector512.FusedMultiplyAdd(dy, Vector512.FusedMultiplyAdd(x, GeluBackwardOperator.Density(x, out var cdf), cdf), dx);
}
