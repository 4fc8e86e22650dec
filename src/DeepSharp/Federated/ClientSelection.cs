namespace DeepSharp.Federated;

/// <summary>The clients of a round: max(⌊C·K⌋, 1) of the K clients, drawn without replacement by the round's seed, in index order.</summary>
internal static class ClientSelection
{
    /// <summary>How many clients a round uses: max(⌊C·K⌋, 1), as the paper's m = max(C·K, 1).</summary>
    public static int PerRound(int clients, double fraction) =>
        Math.Clamp((int)Math.Floor(fraction * clients + 1e-9), 1, clients);

    /// <summary>The clients of round <paramref name="round"/> (0-based), ascending.</summary>
    public static int[] Choose(int clients, double fraction, long seed, int round)
    {
        int m = PerRound(clients, fraction);
        var all = ClientPartition.Permutation(clients, new Random(FederatedSeeds.ForRandom(seed, FederatedSeeds.Stream.Selection, round)));
        var chosen = all.AsSpan(0, m).ToArray();
        Array.Sort(chosen);
        return chosen;
    }
}
