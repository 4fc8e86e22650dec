namespace DeepSharp.Federated;

/// <summary>
/// How a training set is split among federated clients, as McMahan et al. (2017) split MNIST: each
/// client is a list of sample indices into the training set. The lists are disjoint.
/// <code>
/// int[][] iid = ClientPartition.Iid(samples: 60000, clients: 100, seed: 1);          // 600 random samples each
/// int[][] nonIid = ClientPartition.Pathological(labels, clients: 100, shardsPerClient: 2, seed: 1); // 2 shards of 300
/// </code>
/// </summary>
public static class ClientPartition
{
    /// <summary>
    /// The IID split: the samples shuffled, then cut into <paramref name="clients"/> equal parts
    /// (<paramref name="samples"/> / clients each; a remainder is left out, as the paper's 600 × 100 = 60,000 has none).
    /// </summary>
    /// <param name="samples">The training set's size.</param>
    /// <param name="clients">How many clients (K).</param>
    /// <param name="seed">The shuffle's seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">clients is not positive, or there are fewer samples than clients.</exception>
    public static int[][] Iid(int samples, int clients, long seed)
    {
        if (clients <= 0) throw new ArgumentOutOfRangeException(nameof(clients), clients, "ClientPartition.Iid: clients must be positive.");
        if (samples < clients) throw new ArgumentOutOfRangeException(nameof(samples), samples, $"ClientPartition.Iid: {samples} samples cannot give each of {clients} clients one.");
        var order = Permutation(samples, new Random(FederatedSeeds.ForRandom(seed, FederatedSeeds.Stream.Partition)));
        int each = samples / clients;
        var result = new int[clients][];
        for (int k = 0; k < clients; k++) result[k] = order.AsSpan(k * each, each).ToArray();
        return result;
    }

    /// <summary>
    /// The paper's pathological non-IID split: the samples sorted by label (ties by index), cut into
    /// clients × <paramref name="shardsPerClient"/> shards of equal size (60,000 / 200 = 300 for MNIST),
    /// and each client given <paramref name="shardsPerClient"/> shards drawn at random. Most clients then
    /// hold two digits; a shard that straddles two labels can give a client up to 2 × shardsPerClient.
    /// </summary>
    /// <param name="labels">The class of each training sample.</param>
    /// <param name="clients">How many clients (K).</param>
    /// <param name="shardsPerClient">Shards per client (the paper's 2).</param>
    /// <param name="seed">The seed of the shards' assignment.</param>
    /// <exception cref="ArgumentOutOfRangeException">clients or shardsPerClient is not positive, or there are fewer samples than shards.</exception>
    public static int[][] Pathological(ReadOnlySpan<int> labels, int clients, int shardsPerClient, long seed)
    {
        if (clients <= 0) throw new ArgumentOutOfRangeException(nameof(clients), clients, "ClientPartition.Pathological: clients must be positive.");
        if (shardsPerClient <= 0) throw new ArgumentOutOfRangeException(nameof(shardsPerClient), shardsPerClient, "ClientPartition.Pathological: shardsPerClient must be positive.");
        int shards = checked(clients * shardsPerClient);
        if (labels.Length < shards)
            throw new ArgumentOutOfRangeException(nameof(labels), labels.Length, $"ClientPartition.Pathological: {labels.Length} samples cannot make {shards} shards ({clients} clients × {shardsPerClient}).");
        var byLabel = new int[labels.Length];
        for (int i = 0; i < byLabel.Length; i++) byLabel[i] = i;
        var keys = labels.ToArray();
        // A stable sort by label: equal labels keep the index order.
        Array.Sort(byLabel, (p, q) => keys[p] != keys[q] ? keys[p].CompareTo(keys[q]) : p.CompareTo(q));
        int shardSize = labels.Length / shards;
        var shardOrder = Permutation(shards, new Random(FederatedSeeds.ForRandom(seed, FederatedSeeds.Stream.Partition)));
        var result = new int[clients][];
        for (int k = 0; k < clients; k++)
        {
            var mine = new int[shardsPerClient * shardSize];
            for (int s = 0; s < shardsPerClient; s++)
                byLabel.AsSpan(shardOrder[k * shardsPerClient + s] * shardSize, shardSize).CopyTo(mine.AsSpan(s * shardSize));
            result[k] = mine;
        }
        return result;
    }

    /// <summary>0..n-1 in a random order (Fisher–Yates).</summary>
    internal static int[] Permutation(int n, Random random)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p, random);
        return p;
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates).</summary>
    internal static void Shuffle(Span<int> values, Random random)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
