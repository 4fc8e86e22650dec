using DeepSharp.Kernels.Cpu.Int8;

namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// Naive twin of <see cref="Int8Add"/>: TFLite's reference quantized ADD written out as gemmlowp
/// states it — SaturatingRoundingDoublingHighMul with its nudge and truncating division,
/// RoundingDivideByPOT with its remainder and threshold — one element at a time.
/// </summary>
internal static class NaiveInt8Add
{
    /// <summary>y[i] for every i, as TFLite's reference AddElementwise computes it.</summary>
    public static void Add(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Int8AddParameters p, Span<byte> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            int shiftedA = (a[i] - p.ZeroPointA) * (1 << Int8Add.LeftShift);
            int shiftedB = (b[i] - p.ZeroPointB) * (1 << Int8Add.LeftShift);
            int scaledA = MultiplyByQuantizedMultiplierSmallerThanOneExp(shiftedA, p.MultiplierA, -p.ShiftA);
            int scaledB = MultiplyByQuantizedMultiplierSmallerThanOneExp(shiftedB, p.MultiplierB, -p.ShiftB);
            int raw = MultiplyByQuantizedMultiplierSmallerThanOneExp(scaledA + scaledB, p.OutputMultiplier, -p.OutputShift) + p.OutputZeroPoint;
            y[i] = (byte)Math.Min(p.Max, Math.Max(p.Min, raw));
        }
    }

    /// <summary>RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, multiplier), −leftShift).</summary>
    public static int MultiplyByQuantizedMultiplierSmallerThanOneExp(int x, int multiplier, int leftShift) =>
        RoundingDivideByPot(SaturatingRoundingDoublingHighMul(x, multiplier), -leftShift);

    /// <summary>gemmlowp: the high 32 bits of 2·a·b, rounded to nearest (ties away from zero), saturating at int.MinValue².</summary>
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == b && a == int.MinValue) return int.MaxValue;
        long ab = (long)a * b;
        long nudge = ab >= 0 ? 1L << 30 : 1L - (1L << 30);
        return (int)((ab + nudge) / (1L << 31)); // truncating, as C++'s division
    }

    /// <summary>gemmlowp: x / 2^exponent rounded to nearest, ties away from zero.</summary>
    public static int RoundingDivideByPot(int x, int exponent)
    {
        int mask = (int)((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }
}
