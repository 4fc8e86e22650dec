using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The LSTM cell's activations for one element at a time, at every vector width, so that the cell
// can run as one pass per row slice (LstmCellForwardLoop) instead of a TensorPrimitives pass per
// gate. sigmoid and tanh come from one exp:
//   exp(t), t clamped to [−87.3, 88.3] (so that 2ⁿ below stays a normal float): n = round(t·log₂e)
//   by the 1.5·2²³ shifter (z = t·log₂e + 1.5·2²³ holds n in its low mantissa bits), the reduced
//   r = t − n·ln2 in two parts (Cody and Waite; 0.693359375 has 9 bits, so n·C1 is exact), |r| ≤ ½ln2,
//   eʳ ≈ 1 + r + r²·P(r) with Cephes expf's degree-5 P (S. Moshier, Cephes Math Library, expf.c), then
//   2ⁿ as float bits (z's bits shifted left by 23 leave n·2²³, plus the bits of 1.0).
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
    private const float Log2E = 1.44269504088896341f, Shifter = 12582912f; // 1.5·2²³
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float ExpMax = 88.3f, ExpMin = -87.3f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private const float TanhSmall = 0.35f;
    private const float T3 = -1f / 3, T5 = 2f / 15, T7 = -17f / 315, T9 = 62f / 2835, T11 = -1382f / 155925, T13 = 21844f / 6081075;
    private const int OneBits = 0x3F800000;

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

    public static float Exp(float t)
    {
        t = t > ExpMax ? ExpMax : t;
        t = t < ExpMin ? ExpMin : t;
        float z = MathF.FusedMultiplyAdd(t, Log2E, Shifter);
        float n = z - Shifter;
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, t);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        float scale = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(z) << 23) + OneBits);
        return p * scale;
    }

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
    public static Vector128<float> Exp(Vector128<float> t)
    {
        t = Vector128.ConditionalSelect(Vector128.GreaterThan(t, Vector128.Create(ExpMax)), Vector128.Create(ExpMax), t);
        t = Vector128.ConditionalSelect(Vector128.LessThan(t, Vector128.Create(ExpMin)), Vector128.Create(ExpMin), t);
        var z = Vector128.FusedMultiplyAdd(t, Vector128.Create(Log2E), Vector128.Create(Shifter));
        var n = z - Vector128.Create(Shifter);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), t);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        p = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        var scale = (Vector128.ShiftLeft(z.AsInt32(), 23) + Vector128.Create(OneBits)).AsSingle();
        return p * scale;
    }

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
    public static Vector256<float> Exp(Vector256<float> t)
    {
        t = Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256.Create(ExpMax)), Vector256.Create(ExpMax), t);
        t = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256.Create(ExpMin)), Vector256.Create(ExpMin), t);
        var z = Vector256.FusedMultiplyAdd(t, Vector256.Create(Log2E), Vector256.Create(Shifter));
        var n = z - Vector256.Create(Shifter);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), t);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var scale = (Vector256.ShiftLeft(z.AsInt32(), 23) + Vector256.Create(OneBits)).AsSingle();
        return p * scale;
    }

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
    public static Vector512<float> Exp(Vector512<float> t)
    {
        t = Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512.Create(ExpMax)), Vector512.Create(ExpMax), t);
        t = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512.Create(ExpMin)), Vector512.Create(ExpMin), t);
        var z = Vector512.FusedMultiplyAdd(t, Vector512.Create(Log2E), Vector512.Create(Shifter));
        var n = z - Vector512.Create(Shifter);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), t);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var scale = (Vector512.ShiftLeft(z.AsInt32(), 23) + Vector512.Create(OneBits)).AsSingle();
        return p * scale;
    }

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
