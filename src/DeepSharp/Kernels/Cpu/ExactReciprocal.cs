using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// GELU's series needs t = 1/(1 + p·z) per element, and a 512-bit vdivps costs ~16 cycles of
// throughput on Intel's one divider (Sapphire/Emerald Rapids), about half of a GELU element's
// time. Here, on Intel with AVX-512F, the quotient comes from the 14-bit estimate instead:
//   y0 = rcp14(d)                     relative error < 2^-14
//   y1 = y0 + y0·(1 − d·y0)           one Newton step by FMAs: error < 2^-27, within an ulp
//   y  = y1 + y1·(1 − d·y1)           Markstein's correction: 1 − d·y1 is exact in one FMA, and from
//                                     a y1 within an ulp the rounded sum is the correctly rounded 1/d
// That rounding misses in one case per binade, found by the exhaustive check below: d with an
// all-ones mantissa, (2 − 2^-23)·2^k. There y1 is the power of two 2^-(k+1), d·y1 = 1 − 2^-24, and
// y1 + y1·2^-24 lies exactly half-way to the next float, so it rounds (to even) down, whereas the true
// 1/d lies just above the half-way point: the answer is the float after 2^-(k+1), the bits of y + 1.
// Past 2^126 the reciprocal is subnormal and the steps lose bits, and rcp14(+∞) = 0 makes 1 − ∞·0 a
// NaN: there the result is 0 instead. So, for d ≥ 1 or NaN:
//   d < 2^126   the bits of 1f/d            d ≥ 2^126 (and +∞)   0 (1f/d is 2^-126 or below)
//   NaN         NaN
// The KernelCheck ExactReciprocalChecks compares it with 1f/d for every float d in [1, 2^126) (all
// 2^30 − 2^23 of them), and the rest of the table. GELU's d = fma(z, p, 1), z = |x|/√2, is ≥ 1 or
// NaN, and where d ≥ 2^126 the series' poly·e underflows to 0 whether t is 0 or 1f/d (e ≤ e^-87), so
// Φ keeps the bits of the division at every width and on every CPU. Eight vector operations on the
// FMA and shuffle ports against one divide: gated on Intel (CpuIdentity.IsIntel), where it was
// measured; elsewhere the division stays (same GELU bits either way).

/// <summary>1/d with the bits of a true division, for d ≥ 1, +∞ or NaN; see the implementation notes.</summary>
internal static class ExactReciprocal
{
    /// <summary>Whether <see cref="Of(Vector512{float})"/> takes the estimate and its refinements (Intel with AVX-512F).</summary>
    internal static readonly bool UsesEstimate = Avx512F.IsSupported && CpuIdentity.IsIntel;

    /// <summary>1/d for d ≥ 1 or NaN: the bits of <c>Vector512&lt;float&gt;.One / d</c> below 2^126, 0 from there (see the notes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> d) => UsesEstimate ? Refined(d) : Divided(d);

    /// <summary>The division path with the same contract (0 from 2^126 on).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Divided(Vector512<float> d) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(d, Vector512.Create(Limit)), Vector512<float>.Zero, Vector512<float>.One / d);

    /// <summary>2^126: from here on the result is 0.</summary>
    internal static readonly float Limit = BitConverter.UInt32BitsToSingle(0x7E800000);

    /// <summary>The estimate path, whatever the CPU (AVX-512F required): for the check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Refined(Vector512<float> d)
    {
        var one = Vector512<float>.One;
        var negD = -d;
        var y = Avx512F.Reciprocal14(d);
        y = Vector512.FusedMultiplyAdd(y, Vector512.FusedMultiplyAdd(negD, y, one), y);
        y = Vector512.FusedMultiplyAdd(y, Vector512.FusedMultiplyAdd(negD, y, one), y);
        // All-ones mantissa: the float after the power of two the rounding tied down to.
        var mantissa = Vector512.Create(0x007FFFFFu);
        var allOnes = Vector512.Equals(d.AsUInt32() & mantissa, mantissa);
        y = (y.AsUInt32() - allOnes).AsSingle(); // a true lane is all ones, i.e. −1
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(d, Vector512.Create(Limit)), Vector512<float>.Zero, y);
    }
}
