namespace DeepSharp.Federated;

/// <summary>
/// The server's average of the clients' weights, weighted by their sample counts:
/// w = Σₖ (nₖ / n) wₖ with n = Σₖ nₖ, summed in the order the clients are given (client-index
/// order), so the bits do not depend on which process trained which client.
/// </summary>
internal static class WeightedAverage
{
    /// <summary>
    /// Writes into <paramref name="average"/> the weighted average of <paramref name="clients"/>.Count
    /// weight vectors, each <paramref name="average"/>.Length long, client k's weighing <paramref name="counts"/>[k].
    /// </summary>
    /// <exception cref="ArgumentException">No clients, lengths differ, or the counts do not sum to a positive number.</exception>
    public static void Compute(IReadOnlyList<ReadOnlyMemory<float>> clients, ReadOnlySpan<long> counts, Span<float> average)
    {
        if (clients.Count == 0) throw new ArgumentException("WeightedAverage: no client weights to average.", nameof(clients));
        if (counts.Length != clients.Count)
            throw new ArgumentException($"WeightedAverage: {clients.Count} weight vectors but {counts.Length} sample counts.", nameof(counts));
        long total = 0;
        for (int k = 0; k < counts.Length; k++)
        {
            if (counts[k] < 0) throw new ArgumentException($"WeightedAverage: client {k} has a negative sample count {counts[k]}.", nameof(counts));
            total += counts[k];
        }
        if (total <= 0) throw new ArgumentException("WeightedAverage: the clients hold no samples.", nameof(counts));
        average.Clear();
        for (int k = 0; k < clients.Count; k++)
        {
            var w = clients[k].Span;
            if (w.Length != average.Length)
                throw new ArgumentException($"WeightedAverage: client {k}'s weights have {w.Length} values, the model {average.Length}.", nameof(clients));
            float scale = (float)((double)counts[k] / total);
            for (int i = 0; i < w.Length; i++) average[i] += scale * w[i];
        }
    }
}
