using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The LSTM cell's activations for one element at a time, at every vector width, so that the cell
// can run as one pass per row slice (LstmCellForwardLoop) instead of a TensorPrimitives pass per
// gate. sigmoid and tanh come from one exp:
//   exp(t) is FloatExp's (t clamped to [−87.3, 88.3], Cody–Waite reduction, Cephes expf's degree-5
//   polynomial, 2ⁿ as float bits; its notes have the steps), inlined into the cell's loop.
//   sigmoid(x) = 1 / (1 + exp(−x)).
//   tanh(x) = sign(x)·(1 − 2 / (1 + exp(2|x|))) for |x| ≥ 0.35; below, where that form cancels, the
//   odd Taylor polynomial |x| + |x|³·Q(x²) to x¹³ (its first omitted term is below 3·10⁻¹⁰·|x| there);
//   x's sign bit is put on the magnitude last, so tanh(−0) = −0.
// Every operation is an IEEE operation (fused multiply-adds by the explicit FusedMultiplyAdd of each
// width, the division exact): the scalar, 128-, 256- and 512-bit paths give the same bits on every
// machine. NaN stays NaN (the clamps select by "greater/less than", which a NaN fails); ±∞ give the
// limits. Measured error against double precision (CellActivationMathChecks, 240k arguments, dense
// over [−12, 12] and every power of two): at most 1.2·10⁻⁷ relative for sigmoid and 1.6·10⁻⁷ for
// tanh (1–2 ulps); the check's bound is 5·10⁻⁷. Below 10⁻³⁷ (sigmoid under −85) the error is absolute.

/// <summary>
/// Sigmoid and tanh by one exp polynomial of our own (and ReLU, linear) at every width, bit-identical
/// across widths; the twin is <see cref="Reference.NaiveCellActivationKernel"/> (double precision).
/// </summary>
internal static class CellActivationMath
{
    private const float TanhSmall = 0.35f;
    private const float T3 = -1f / 3, T5 = 2f / 15, T7 = -17f / 315, T9 = 62f / 2835, T11 = -1382f / 155925, T13 = 21844f / 6081075;

    /// <summary>f(x) for one element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(CellActivation f, float x) => f switch
    {
        CellActivation.Tanh => Tanh(x),
        CellActivation.Sigmoid => Sigmoid(x),
        CellActivation.Relu => x > 0 ? x : 0f,
        _ => x,
    };

    /// <summary>f(x) for 4 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(CellActivation f, Vector128<float> x) => f switch
    {
        CellActivation.Tanh => Tanh(x),
        CellActivation.Sigmoid => Sigmoid(x),
        CellActivation.Relu => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Vector128<float>.Zero),
        _ => x,
    };

    /// <summary>f(x) for 8 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(CellActivation f, Vector256<float> x) => f switch
    {
        CellActivation.Tanh => Tanh(x),
        CellActivation.Sigmoid => Sigmoid(x),
        CellActivation.Relu => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256<float>.Zero),
        _ => x,
    };

    /// <summary>f(x) for 16 elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(CellActivation f, Vector512<float> x) => f switch
    {
        CellActivation.Tanh => Tanh(x),
        CellActivation.Sigmoid => Sigmoid(x),
        CellActivation.Relu => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Vector512<float>.Zero),
        _ => x,
    };

    // ---- scalar: the definition of the bits ----

    public static float Exp(float t) => FloatExp.Of(t);

    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < TanhSmall)
        {
            float s = x * x;
            float q = MathF.FusedMultiplyAdd(T13, s, T11);
            q = MathF.FusedMultiplyAdd(q, s, T9);
            q = MathF.FusedMultiplyAdd(q, s, T7);
            q = MathF.FusedMultiplyAdd(q, s, T5);
            q = MathF.FusedMultiplyAdd(q, s, T3);
            return WithSignOf(x, MathF.FusedMultiplyAdd(q * s, a, a));
        }
        return WithSignOf(x, 1f - 2f / (1f + Exp(a + a)));
    }

    /// <summary>|magnitude| (a non-negative value or NaN) with x's sign bit: the vector paths' OR of the sign.</summary>
    private static float WithSignOf(float x, float magnitude) =>
        BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(magnitude) | (BitConverter.SingleToInt32Bits(x) & int.MinValue));

    // ---- 128 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> t) => FloatExp.Of(t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var s = x * x;
        var q = Vector128.FusedMultiplyAdd(Vector128.Create(T13), s, Vector128.Create(T11));
        q = Vector128.FusedMultiplyAdd(q, s, Vector128.Create(T9));
        q = Vector128.FusedMultiplyAdd(q, s, Vector128.Create(T7));
        q = Vector128.FusedMultiplyAdd(q, s, Vector128.Create(T5));
        q = Vector128.FusedMultiplyAdd(q, s, Vector128.Create(T3));
        var small = Vector128.FusedMultiplyAdd(q * s, a, a);
        var big = Vector128<float>.One - Vector128.Create(2f) / (Vector128<float>.One + Exp(a + a));
        return Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(TanhSmall)), small, big) | (x & Vector128.Create(-0f));
    }

    // ---- 256 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> t) => FloatExp.Of(t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var s = x * x;
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(T13), s, Vector256.Create(T11));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(T9));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(T7));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(T5));
        q = Vector256.FusedMultiplyAdd(q, s, Vector256.Create(T3));
        var small = Vector256.FusedMultiplyAdd(q * s, a, a);
        var big = Vector256<float>.One - Vector256.Create(2f) / (Vector256<float>.One + Exp(a + a));
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhSmall)), small, big) | (x & Vector256.Create(-0f));
    }

    // ---- 512 bits ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> t) => FloatExp.Of(t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var s = x * x;
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(T13), s, Vector512.Create(T11));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(T9));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(T7));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(T5));
        q = Vector512.FusedMultiplyAdd(q, s, Vector512.Create(T3));
        var small = Vector512.FusedMultiplyAdd(q * s, a, a);
        var big = Vector512<float>.One - Vector512.Create(2f) / (Vector512<float>.One + Exp(a + a));
        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSmall)), small, big) | (x & Vector512.Create(-0f));
    }
}
