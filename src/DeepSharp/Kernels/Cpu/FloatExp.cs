using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// e^t in float arithmetic only (the runtime's vector Exp for float widens to double, which halves
// the lanes per instruction):
//   t clamped to [−87.3, 88.3] (so that 2ⁿ below stays a normal float); n = round(t·log₂e) by the
//   1.5·2²³ shifter (z = t·log₂e + 1.5·2²³ holds n in its low mantissa bits); the reduced
//   r = t − n·ln2 in two parts (Cody and Waite; 0.693359375 has 9 bits, so n·C1 is exact), |r| ≤ ½ln2;
//   eʳ ≈ 1 + r + r²·P(r) with Cephes expf's degree-5 P (S. Moshier, Cephes Math Library, expf.c);
//   then 2ⁿ as float bits (z's bits shifted left by 23 leave n·2²³, plus the bits of 1.0).
// Every step is an IEEE operation (the multiply-adds by each width's explicit FusedMultiplyAdd), so
// the scalar, 128-, 256- and 512-bit forms give the same bits on every machine. Measured against
// double precision (FloatExpChecks, 250k arguments dense over [−87.3, 88.3] and every power of two):
// at most 8.2·10⁻⁸ relative (1 ulp); the check's bound is 3·10⁻⁷. Below the clamp the result is
// e^−87.3 ≈ 1.2·10⁻³⁸, not 0; NaN stays NaN.
// The LSTM and GRU cells' sigmoid and tanh (CellActivationMath) are built on it.

/// <summary>e^t in float arithmetic, bit-identical at every vector width; the twin is <see cref="Math.Exp"/>.</summary>
internal static class FloatExp
{
    private const float Log2E = 1.44269504088896341f, Shifter = 12582912f; // 1.5·2²³
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    internal const float Max = 88.3f, Min = -87.3f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private const int OneBits = 0x3F800000;

    public static float Of(float t)
    {
        t = t > Max ? Max : t;
        t = t < Min ? Min : t;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Of(Vector128<float> t)
    {
        t = Vector128.ConditionalSelect(Vector128.GreaterThan(t, Vector128.Create(Max)), Vector128.Create(Max), t);
        t = Vector128.ConditionalSelect(Vector128.LessThan(t, Vector128.Create(Min)), Vector128.Create(Min), t);
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
    public static Vector256<float> Of(Vector256<float> t)
    {
        t = Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256.Create(Max)), Vector256.Create(Max), t);
        t = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256.Create(Min)), Vector256.Create(Min), t);
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
    public static Vector512<float> Of(Vector512<float> t)
    {
        t = Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512.Create(Max)), Vector512.Create(Max), t);
        t = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512.Create(Min)), Vector512.Create(Min), t);
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
}
