using DeepSharp.Federated;

namespace DeepSharp.Tests.Federated;

/// <summary>The paper's splits: IID sizes and disjointness; pathological shards of one or two labels.</summary>
public sealed class ClientPartitionTests
{
    [Fact]
    public void IidGivesEachClientItsShareOfDisjointSamples()
    {
        var clients = ClientPartition.Iid(60000, 100, seed: 1);
        Assert.Equal(100, clients.Length);
        Assert.All(clients, c => Assert.Equal(600, c.Length));
        var all = clients.SelectMany(c => c).ToArray();
        Assert.Equal(60000, all.Distinct().Count());
        Assert.Equal(0, all.Min());
        Assert.Equal(59999, all.Max());
        // Shuffled, not consecutive; the same seed gives the same split, another seed another.
        Assert.NotEqual(Enumerable.Range(0, 600), clients[0]);
        Assert.Equal(clients[7], ClientPartition.Iid(60000, 100, seed: 1)[7]);
        Assert.NotEqual(clients[7], ClientPartition.Iid(60000, 100, seed: 2)[7]);
    }

    [Fact]
    public void PathologicalClientsHoldTwoShardsOfAtMostTwoLabels()
    {
        // 10 labels × 600 samples, shuffled: shards of 30 never straddle two labels.
        var random = new Random(5);
        var labels = Enumerable.Range(0, 6000).Select(i => i % 10).OrderBy(_ => random.Next()).ToArray();
        var clients = ClientPartition.Pathological(labels, clients: 100, shardsPerClient: 2, seed: 1);
        Assert.All(clients, c => Assert.Equal(60, c.Length));
        Assert.Equal(6000, clients.SelectMany(c => c).Distinct().Count());
        Assert.All(clients, c => Assert.InRange(c.Select(i => labels[i]).Distinct().Count(), 1, 2));
        // Most clients hold two digits (one only when both shards are of the same label).
        Assert.True(clients.Count(c => c.Select(i => labels[i]).Distinct().Count() == 2) > 70);
        // Each shard is one label: the first 30 of a client's samples share theirs.
        Assert.All(clients, c => Assert.Single(c.Take(30).Select(i => labels[i]).Distinct()));
    }

    [Fact]
    public void PathologicalShardsThatStraddleLabelsGiveAtMostFourLabels()
    {
        // Uneven classes, as MNIST's: a shard can hold the end of one label and the start of the next.
        var labels = Enumerable.Range(0, 6000).Select(i => (i * 7 % 6000) < 2500 ? 0 : (i % 3) + 1).ToArray();
        var clients = ClientPartition.Pathological(labels, clients: 50, shardsPerClient: 2, seed: 3);
        Assert.All(clients, c => Assert.InRange(c.Select(i => labels[i]).Distinct().Count(), 1, 4));
        Assert.Equal(6000, clients.SelectMany(c => c).Distinct().Count());
    }

    [Fact]
    public void BadArgumentsAreRefusedWithTheirNames()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ClientPartition.Iid(5, 10, seed: 1));
        Assert.Contains("5 samples", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClientPartition.Iid(5, 0, seed: 1));
        var p = Assert.Throws<ArgumentOutOfRangeException>(() => ClientPartition.Pathological(new int[10], clients: 10, shardsPerClient: 2, seed: 1));
        Assert.Contains("20 shards", p.Message);
    }
}
