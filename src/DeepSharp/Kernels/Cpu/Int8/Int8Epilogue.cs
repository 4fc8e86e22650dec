using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The requantization epilogue: int32 sums to float outputs with per-channel scales, bias and
/// ReLU fused. y[j] = ((acc[j] − zeroPoint · Σ_k w[k, j]) · scale[j]) + bias[j], then max(·, 0)
/// when <c>relu</c>; scale[j] = the input's scale × channel j's weight scale. Multiply then add
/// (no FMA), in float, as the naive twin does.
/// </summary>
internal static unsafe class Int8Epilogue
{
    /// <summary>One row of <paramref name="n"/> outputs.</summary>
    public static void ToFloat(int* acc, int n, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float* y)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create(zeroPoint);
            for (; j + 8 <= n; j += 8)
            {
                var v = Vector256.ConvertToSingle(Vector256.Load(acc + j) - zp * Vector256.Load(columnSums + j)) * Vector256.Load(scales + j);
                if (bias != null) v += Vector256.Load(bias + j);
                if (relu) v = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
                v.Store(y + j);
            }
        }
        for (; j < n; j++) y[j] = One(acc[j], zeroPoint, columnSums[j], scales[j], bias == null ? 0f : bias[j], bias != null, relu);
    }

    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="n"/> outputs (stride n) quantized straight to
    /// bytes on (<paramref name="outScale"/>, <paramref name="outZero"/>): <see cref="ToFloat"/> then
    /// <see cref="Int8Quantize"/>, the same operations in the same order (so the same bits), 16
    /// channels at a time in registers.
    /// </summary>
    public static void ToBytes(int* acc, int rows, int n, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float outScale, int outZero, byte* y) =>
        ToBytesStrided(acc, rows, n, n, zeroPoint, columnSums, scales, bias, relu, outScale, outZero, y);

    /// <summary>
    /// The same for the first <paramref name="n"/> channels of rows <paramref name="stride"/> apart
    /// (in the sums and in the bytes): a slice of the channels, its per-channel arrays offset to match.
    /// </summary>
    public static void ToBytesStrided(int* acc, int rows, int n, int stride, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float outScale, int outZero, byte* y)
    {
        int vectorEnd = Avx512F.IsSupported ? n / 16 * 16 : 0;
        if (vectorEnd > 0) ToBytes512(acc, rows, vectorEnd, stride, zeroPoint, columnSums, scales, bias, relu, outScale, outZero, y);
        for (int r = 0; r < rows; r++, acc += stride, y += stride)
            for (int j = vectorEnd; j < n; j++)
                y[j] = Int8Quantize.One(One(acc[j], zeroPoint, columnSums[j], scales[j], bias == null ? 0f : bias[j], bias != null, relu), outScale, outZero);
    }

    /// <summary>
    /// The first <paramref name="n"/> (a multiple of 16) channels, 16 at a time: each group's
    /// constants (zero point × column sums, scales, bias) loaded once for all the rows.
    /// </summary>
    /// <remarks>
    /// The float steps are those of <see cref="One"/> and <see cref="Int8Quantize.One"/>; three are
    /// written with other instructions that give the same byte: ReLU as <c>vmaxps(v, 0)</c>
    /// (x86's max returns its second operand when the first is NaN or both are zeros, so NaN and
    /// −0 give +0, as <c>v &gt; 0 ? v : 0</c> does), the clamp to [0, 255] as <c>vmaxps(q, 0)</c>
    /// (NaN → 0), truncation to int32 and an unsigned saturating narrowing to bytes
    /// (<c>vpmovusdb</c>: q ≥ 0 is an integer here, and anything ≥ 255, including 2³¹ and beyond,
    /// which truncates to 0x80000000, becomes 255). Only the bias's absence changes a sign of zero
    /// (v + 0 is +0 for v = −0), which no byte sees: the zero is ReLU-ed, divided and rounded to ±0,
    /// and the zero point added.
    /// </remarks>
    private static void ToBytes512(int* acc, int rows, int n, int stride, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float outScale, int outZero, byte* y)
    {
        // 1/scale when it is a normal float (the rounding proof below needs it), else every lane divides.
        float reciprocal = 1f / outScale;
        if (relu && Avx512DQ.IsSupported && float.IsNormal(reciprocal) && reciprocal > 0f && outZero is >= 0 and <= 255)
        {
            ToBytes512Relu(acc, rows, n, stride, zeroPoint, columnSums, scales, bias, outScale, reciprocal, outZero, y);
            return;
        }
        var s = Vector512.Create(outScale);
        var inverse = Vector512.Create(float.IsNormal(reciprocal) ? reciprocal : float.NaN);
        var z = Vector512.Create((float)outZero);
        var zp = Vector512.Create(zeroPoint);
        var zero = Vector512<float>.Zero;
        for (int j = 0; j < n; j += 16)
        {
            var offset = zp * Vector512.Load(columnSums + j);
            var scale = Vector512.Load(scales + j);
            var shift = bias == null ? zero : Vector512.Load(bias + j);
            int* a = acc + j;
            byte* dst = y + j;
            for (int r = 0; r < rows; r++, a += stride, dst += stride)
            {
                var v = Vector512.ConvertToSingle(Vector512.Load(a) - offset) * scale + shift;
                if (relu) v = Avx512F.Max(v, zero);
                v = Avx512F.Max(RoundQuotient(v, s, inverse) + z, zero);
                Avx512F.ConvertToVector128ByteWithSaturation(Avx512F.ConvertToVector512Int32WithTruncation(v).AsUInt32()).Store(dst);
            }
        }
    }

    /// <summary>
    /// <see cref="ToBytes512"/> after a ReLU, with a positive normal reciprocal r = fl(1/s) and a zero
    /// point in [0, 255]: the same bytes with 4 fewer operations per 16 values.
    /// </summary>
    /// <remarks>
    /// After the ReLU v ≥ +0 (NaN → +0), so t = fl(v·r) ≥ 0 and <see cref="RoundQuotient"/>'s clamp
    /// to −1024 and its absolute value of t do nothing; t − Round(t) comes from one <c>vreduceps</c>
    /// (exact, as the subtraction is), so the test distance &gt; margin is the same float comparison on
    /// the same floats. When every lane passes it, the quotient rounds as t does: <c>vcvtps2dq</c>
    /// (ties to even, the default rounding mode) gives Round(t) ∈ [0, 1024] as an integer, and adding
    /// the zero point in int32 gives a value in [0, 1279] that <c>vpmovusdb</c> clamps to 255, as the
    /// float sum's clamp and truncation do. Otherwise the group takes <see cref="ToBytes512"/>'s steps.
    /// </remarks>
    private static void ToBytes512Relu(int* acc, int rows, int n, int stride, int zeroPoint, int* columnSums, float* scales, float* bias, float outScale, float reciprocal,
        int outZero, byte* y)
    {
        var s = Vector512.Create(outScale);
        var r = Vector512.Create(reciprocal);
        var z = Vector512.Create((float)outZero);
        var zi = Vector512.Create(outZero);
        var zp = Vector512.Create(zeroPoint);
        var zero = Vector512<float>.Zero;
        var limit = Vector512.Create(1024f);
        var half = Vector512.Create(0.5f);
        var unit = Vector512.Create(1f / (1 << 21));
        for (int j = 0; j < n; j += 16)
        {
            var offset = zp * Vector512.Load(columnSums + j);
            var scale = Vector512.Load(scales + j);
            var shift = bias == null ? zero : Vector512.Load(bias + j);
            int* a = acc + j;
            byte* dst = y + j;
            for (int row = 0; row < rows; row++, a += stride, dst += stride)
            {
                var v = Avx512F.Max(Vector512.ConvertToSingle(Vector512.Load(a) - offset) * scale + shift, zero);
                var t = Avx512F.Min(v * r, limit);
                var distance = half - Vector512.Abs(Avx512DQ.Reduce(t, 0));
                Vector512<uint> q;
                if (Vector512.GreaterThanAll(distance, t * unit))
                    q = (Avx512F.ConvertToVector512Int32(t) + zi).AsUInt32();
                else
                    q = Avx512F.ConvertToVector512Int32WithTruncation(Avx512F.Max(RoundQuotient(v, s, r) + z, zero)).AsUInt32();
                Avx512F.ConvertToVector128ByteWithSaturation(q).Store(dst);
            }
        }
    }

    /// <summary>
    /// Round(v / s) (to nearest, ties to even) with the bits of the division, by a multiplication
    /// with r = fl(1/s) where that provably rounds the same, the division only for the lanes where it might not.
    /// </summary>
    /// <remarks>
    /// Let x = v/s exactly and u = 2⁻²⁴. The division gives x(1 + δ₁), the product t = fl(v·r) gives
    /// x(1 + δ₂)(1 + δ₃), |δᵢ| ≤ u (r normal; t subnormal only when both round to 0), so
    /// |t − fl(v/s)| ≤ |x|(3u + u²) &lt; |t|·2⁻²² . When t's distance to the nearest half-integer,
    /// d = 0.5 − |t − Round(t)| (exact in float for |t| &lt; 2²³), exceeds |t|·2⁻²¹, no half-integer
    /// lies between t and fl(v/s) or on either, so both round to the same integer. When |t| ≥ 1024
    /// both quotients are beyond ±1000 with the same sign, so adding a zero point in [0, 255] and
    /// clamping to [0, 255] gives the same byte whichever integer each rounds to: t is clamped to
    /// ±1024 first (an integer, half a unit from every half-integer, so it passes the test above and
    /// is returned as it is). Every other lane (and NaN, which the clamp keeps and whose comparisons
    /// fail) takes the division. Checked against the division over all rounding boundaries by the kernel checks.
    /// </remarks>
    internal static Vector512<float> RoundQuotient(Vector512<float> v, Vector512<float> s, Vector512<float> r)
    {
        var t = ClampToThousand(v * r);
        var rounded = Vector512.Round(t);
        var distance = Vector512.Create(0.5f) - Vector512.Abs(t - rounded);
        var margin = Vector512.Abs(t) * Vector512.Create(1f / (1 << 21));
        if (Vector512.GreaterThanAll(distance, margin)) return rounded;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(distance, margin), rounded, Vector512.Round(v / s));
    }

    /// <summary>t clamped to [−1024, 1024], NaN kept (x86's max and min return their second operand, t, when it is NaN).</summary>
    private static Vector512<float> ClampToThousand(Vector512<float> t)
    {
        var limit = Vector512.Create(1024f);
        if (Avx512F.IsSupported) return Avx512F.Min(limit, Avx512F.Max(-limit, t));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(t, limit), limit, Vector512.ConditionalSelect(Vector512.LessThan(t, -limit), -limit, t));
    }

    /// <summary>One output (the naive twin uses this too).</summary>
    public static float One(int acc, int zeroPoint, int columnSum, float scale, float bias, bool hasBias, bool relu)
    {
        float v = (acc - zeroPoint * columnSum) * scale;
        if (hasBias) v += bias;
        return relu ? (v > 0f ? v : 0f) : v;
    }
}
