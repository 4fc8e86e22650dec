namespace DeepSharp.Federated;

/// <summary>
/// Seeds of the federated run's random draws, each a function of the run's seed and where it is
/// used (SplitMix64's finaliser over the mixed inputs), so a client's draws never depend on which
/// process trains it or which clients that process trained before.
/// </summary>
internal static class FederatedSeeds
{
    /// <summary>What a draw is for: the partition, the clients of a round, a client's local training, a layer's own generator (dropout) in it, the server's privacy noise.</summary>
    public enum Stream
    {
        Partition = 1,
        Selection = 2,
        LocalTraining = 3,
        LayerDraws = 4,
        DpNoise = 5,
    }

    /// <summary>A seed for <paramref name="stream"/> at (<paramref name="a"/>, <paramref name="b"/>) of the run seeded <paramref name="seed"/>.</summary>
    public static long Derive(long seed, Stream stream, int a = 0, int b = 0)
    {
        ulong z = (ulong)seed;
        z = Mix(z + 0x9E3779B97F4A7C15UL * (ulong)stream);
        z = Mix(z + 0x9E3779B97F4A7C15UL * (ulong)(uint)a + 1);
        z = Mix(z + 0x9E3779B97F4A7C15UL * (ulong)(uint)b + 2);
        return (long)(z >> 1);
    }

    /// <summary>An int seed for <see cref="Random"/> (whose seeded sequence .NET keeps stable).</summary>
    public static int ForRandom(long seed, Stream stream, int a = 0, int b = 0) => (int)(Derive(seed, stream, a, b) & int.MaxValue);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
