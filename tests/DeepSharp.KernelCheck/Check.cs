namespace DeepSharp.KernelCheck;

public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>Assertions and data for kernel checks.</summary>
public static class Check
{
    /// <summary>Sizes every kernel is tried at: 0, 1, small primes, and around vector widths.</summary>
    public static readonly int[] AwkwardSizes = [0, 1, 2, 3, 5, 7, 8, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 128, 131];

    /// <summary>Throws unless |expected − actual| ≤ atol + rtol·|expected| everywhere.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float rtol, float atol, string context)
    {
        if (expected.Length != actual.Length)
            throw new CheckFailedException($"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            if (!(MathF.Abs(e - a) <= atol + rtol * MathF.Abs(e)))
                throw new CheckFailedException($"{context}: at {i} got {a}, expected {e} (|diff| {MathF.Abs(e - a)})");
        }
    }

    /// <summary>Throws unless the two spans are equal bit for bit.</summary>
    public static void Equal<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string context) where T : IEquatable<T>
    {
        if (expected.Length != actual.Length)
            throw new CheckFailedException($"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                throw new CheckFailedException($"{context}: at {i} got {actual[i]}, expected {expected[i]}");
    }

    /// <summary>Uniform values in [-1, 1) from a fixed seed.</summary>
    public static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
