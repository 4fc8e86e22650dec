using DeepSharp.Tensors;

namespace DeepSharp.Federated;

/// <summary>
/// The server's aggregate under differential privacy (DP-FedAvg, McMahan et al., 2018, "Learning
/// Differentially Private Recurrent Language Models"; TensorFlow Federated's Gaussian DP aggregator):
/// each client's update Δₖ = wₖ − w is scaled down to L2 norm at most C, the clipped updates are summed in
/// client-index order, Gaussian noise N(0, (zC)²) is added to every coordinate of the sum, and the sum is
/// divided by the m clients of the round: w + (Σₖ clip(Δₖ) + noise) / m. Every client weighs the same (a
/// weight that grew with a client's data would let one client move the average by more than C/m).
/// </summary>
internal static class PrivateAverage
{
    /// <summary>
    /// Writes w + (Σₖ clip(Δₖ) + N(0, (zC)²)) / m into <paramref name="average"/>, the noise drawn from a
    /// generator seeded <paramref name="noiseSeed"/> (the same on every rank); returns how many clients' updates were clipped.
    /// </summary>
    /// <param name="clients">The m clients' weights, in client-index order.</param>
    /// <param name="global">w: the global weights the clients started from.</param>
    /// <param name="clipNorm">C, positive.</param>
    /// <param name="noiseMultiplier">z, not negative (0: clipping alone).</param>
    /// <param name="noiseSeed">The seed of this round's noise.</param>
    /// <param name="average">The new weights before the server optimizer, as long as <paramref name="global"/>.</param>
    /// <exception cref="ArgumentException">No clients, or lengths differ.</exception>
    public static int Compute(IReadOnlyList<ReadOnlyMemory<float>> clients, ReadOnlySpan<float> global, float clipNorm, float noiseMultiplier,
        long noiseSeed, Span<float> average)
    {
        if (clients.Count == 0) throw new ArgumentException("PrivateAverage: no client weights to average.", nameof(clients));
        if (average.Length != global.Length)
            throw new ArgumentException($"PrivateAverage: {average.Length} outputs for {global.Length} global weights.", nameof(average));
        var sum = new float[global.Length];
        int clipped = 0;
        for (int k = 0; k < clients.Count; k++)
        {
            var w = clients[k].Span;
            if (w.Length != global.Length)
                throw new ArgumentException($"PrivateAverage: client {k}'s weights have {w.Length} values, the model {global.Length}.", nameof(clients));
            double squares = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double d = (double)w[i] - global[i];
                squares += d * d;
            }
            double norm = Math.Sqrt(squares);
            float scale = norm > clipNorm ? (float)(clipNorm / norm) : 1f;
            if (norm > clipNorm) clipped++;
            for (int i = 0; i < w.Length; i++) sum[i] += scale * (w[i] - global[i]);
        }
        var noise = new float[global.Length];
        if (noiseMultiplier > 0) new RandomGenerator(noiseSeed).FillNormal(noise, 0f, noiseMultiplier * clipNorm);
        float inverse = 1f / clients.Count;
        for (int i = 0; i < global.Length; i++) average[i] = global[i] + (sum[i] + noise[i]) * inverse;
        return clipped;
    }
}
