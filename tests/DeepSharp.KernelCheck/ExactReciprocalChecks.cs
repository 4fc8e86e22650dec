using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;

namespace DeepSharp.KernelCheck;

/// <summary>
/// <see cref="ExactReciprocal"/>: its estimate path gives the bits of 1f/d for every float d in
/// [1, 2^126) (exhaustive), 0 from 2^126 to +∞ and NaN for NaN, as its division path does; the
/// dispatching form agrees with the division at whatever instruction-set level the check runs.
/// </summary>
public static class ExactReciprocalChecks
{
    public static void EstimateGivesTheDivisionBitsForEveryFloatFromOne()
    {
        if (!Avx512F.IsSupported)
        {
            Console.WriteLine("  ExactReciprocal: no AVX-512F here, the estimate path is not taken (the division is)");
            return;
        }
        // Every float from 1 up to 2^126, in 16-lane vectors, the range cut in 8 parts over the threads.
        uint first = BitConverter.SingleToUInt32Bits(1f), end = BitConverter.SingleToUInt32Bits(ExactReciprocal.Limit);
        long count = end - first, mismatches = 0;
        var found = new List<uint>();
        var lanes = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var gate = new object();
        Parallel.For(0, 8, part =>
        {
            uint lo = (uint)(first + count * part / 8), hi = (uint)(first + count * (part + 1) / 8);
            var bad = new List<uint>();
            for (uint u = lo; u < hi; u += 16)
            {
                var bits = Vector512.Create(u) + lanes;
                var d = bits.AsSingle();
                var differ = ~Vector512.Equals(ExactReciprocal.Refined(d).AsUInt32(), (Vector512<float>.One / d).AsUInt32());
                differ &= Vector512.LessThan(bits, Vector512.Create(hi)); // the last vector's lanes past hi are the next part's
                if (differ != Vector512<uint>.Zero)
                    for (int i = 0; i < 16; i++)
                        if (differ.GetElement(i) != 0) bad.Add(u + (uint)i);
            }
            lock (gate)
            {
                mismatches += bad.Count;
                found.AddRange(bad.Take(8));
            }
        });
        if (mismatches > 0)
        {
            found.Sort();
            string list = string.Join(", ", found.Take(8).Select(u =>
            {
                float d = BitConverter.UInt32BitsToSingle(u);
                return $"{d:R} -> {ExactReciprocal.Refined(Vector512.Create(d)).GetElement(0):R} (1f/d {1f / d:R})";
            }));
            throw new CheckFailedException($"ExactReciprocal: {mismatches} of {count} floats in [1, 2^126) differ from 1f/d: {list}.");
        }
        ExpectTheTable(ExactReciprocal.Refined, "estimate");
        ExpectTheTable(ExactReciprocal.Divided, "division");
        Console.WriteLine($"  ExactReciprocal: the estimate path equals 1f/d on all {count} floats in [1, 2^126) (taken on this CPU: {ExactReciprocal.UsesEstimate})");
    }

    /// <summary>0 from 2^126 to +∞, NaN for NaN, 1/d for a few exact ones.</summary>
    private static void ExpectTheTable(Func<Vector512<float>, Vector512<float>> f, string path)
    {
        float limit = ExactReciprocal.Limit;
        (float D, float Expected)[] table =
        [
            (limit, 0f), (BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(limit) + 12345), 0f), (float.MaxValue, 0f),
            (float.PositiveInfinity, 0f), (float.NaN, float.NaN), (1f, 1f), (2f, 0.5f), (4f, 0.25f),
            (BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(limit) - 1), 1f / BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(limit) - 1)),
        ];
        foreach (var (d, expected) in table)
        {
            float got = f(Vector512.Create(d)).GetElement(0);
            bool same = float.IsNaN(expected) ? float.IsNaN(got) : BitConverter.SingleToUInt32Bits(got) == BitConverter.SingleToUInt32Bits(expected);
            if (!same) throw new CheckFailedException($"ExactReciprocal ({path} path) of {d:R} = {got:R}, expected {expected:R}.");
        }
    }

    public static void DispatchAgreesWithTheDivision()
    {
        if (!Vector512.IsHardwareAccelerated) return;
        var rng = new Random(7);
        var values = new float[16];
        for (int k = 0; k < 4096; k++)
        {
            for (int i = 0; i < 16; i++) values[i] = MathF.Exp((float)rng.NextDouble() * 20f);
            var d = Vector512.Create(values);
            var got = ExactReciprocal.Of(d);
            var expected = Vector512<float>.One / d;
            if (got.AsUInt32() != expected.AsUInt32())
                throw new CheckFailedException($"ExactReciprocal.Of({d}) = {got}, expected {expected}.");
        }
        ExpectTheTable(ExactReciprocal.Of, "dispatched");
    }
}
