using DeepSharp.Federated;

namespace DeepSharp.Tests.Federated;

/// <summary>m = max(⌊C·K⌋, 1) distinct clients per round, seeded, in index order.</summary>
public sealed class ClientSelectionTests
{
    [Theory]
    [InlineData(100, 0.1, 10)]
    [InlineData(100, 0.001, 1)]
    [InlineData(7, 0.5, 3)]
    [InlineData(3, 1.0, 3)]
    public void ChoosesMaxOfFloorCKAndOneDistinctClients(int clients, double fraction, int expected)
    {
        var chosen = ClientSelection.Choose(clients, fraction, seed: 1, round: 4);
        Assert.Equal(expected, chosen.Length);
        Assert.Equal(chosen.Distinct().Count(), chosen.Length);
        Assert.Equal(chosen.Order(), chosen);
        Assert.All(chosen, k => Assert.InRange(k, 0, clients - 1));
    }

    [Fact]
    public void TheSeedAndRoundFixTheChoice()
    {
        Assert.Equal(ClientSelection.Choose(100, 0.1, 9, 3), ClientSelection.Choose(100, 0.1, 9, 3));
        Assert.NotEqual(ClientSelection.Choose(100, 0.1, 9, 3), ClientSelection.Choose(100, 0.1, 9, 4));
        Assert.NotEqual(ClientSelection.Choose(100, 0.1, 9, 3), ClientSelection.Choose(100, 0.1, 10, 3));
        // Over many rounds every client gets its turn.
        var seen = Enumerable.Range(0, 100).SelectMany(r => ClientSelection.Choose(100, 0.1, 9, r)).Distinct().Count();
        Assert.Equal(100, seen);
    }
}
