namespace DeepSharp.KernelCheck;

/// <summary>
/// Lengths, span offsets and guarded buffers for the driver checks: every length 0..256 and a few
/// large primes; spans starting 0..3 and 5 floats into their arrays, so the streams of one call
/// sit at different alignments; guard floats after each span that the driver must not touch.
/// </summary>
internal static class DriverData
{
    public static readonly int[] Lengths = [.. Enumerable.Range(0, 257), 509, 1021, 4099, 65537];

    /// <summary>Offsets of a call's spans into their arrays; stream k of a call starts at Offsets[(variant + k) % Offsets.Length].</summary>
    public static readonly int[] Offsets = [0, 1, 2, 3, 5];

    private const int Guard = 17;
    private const float GuardValue = -12345.5f;
    private static readonly float[] Specials = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f, 1e30f];

    /// <summary>An array holding <paramref name="n"/> values in [−2, 2) (some special) from <paramref name="offset"/> on, guards after them.</summary>
    public static float[] Buffer(int n, int offset, int seed)
    {
        var data = new float[offset + n + Guard];
        Array.Fill(data, GuardValue);
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
            data[offset + i] = i % 11 == 7 ? Specials[(i / 11 + (seed & 0xFFFF)) % Specials.Length] : (float)(rng.NextDouble() * 4 - 2);
        return data;
    }

    /// <summary>Throws unless the guards around [offset, offset + n) still hold their value.</summary>
    public static void CheckGuards(float[] data, int offset, int n, string context)
    {
        for (int i = 0; i < data.Length; i++)
            if ((i < offset || i >= offset + n) && BitConverter.SingleToInt32Bits(data[i]) != BitConverter.SingleToInt32Bits(GuardValue))
                throw new CheckFailedException($"{context}: wrote element {i - offset} outside the span of {n}");
    }

    /// <summary>Throws unless the spans are equal bit for bit (NaNs included).</summary>
    public static void Bits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new CheckFailedException($"{context}: at {i} of {expected.Length} got {actual[i]}, expected {expected[i]}");
    }
}
