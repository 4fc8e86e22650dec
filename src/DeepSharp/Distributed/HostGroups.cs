using System.Text;

namespace DeepSharp.Distributed;

/// <summary>
/// Which ranks share a machine: the ranks grouped by host name (every rank's
/// <see cref="Environment.MachineName"/>, all-gathered), groups numbered by their lowest rank. Ranks
/// of one group can map the same file under <c>/dev/shm</c>; between groups only MPI moves bytes.
/// <see cref="Override"/> names a host per rank instead, so tests and measurements can pretend that
/// the ranks of one machine run on several.
/// </summary>
internal sealed class HostGroups
{
    /// <summary>
    /// The environment variable that names each rank's host (comma-separated, one name per rank, the
    /// same value on every rank), e.g. <c>a,a,b,b</c>: ranks 0–1 and 2–3 then act as two machines.
    /// </summary>
    public const string Override = "DEEPSHARP_HOSTS";

    private const int NameBytes = 64;

    private readonly int[] _hostOf, _local;

    /// <param name="hostOf">Each rank's group (any labels: equal labels share a machine).</param>
    /// <param name="rank">This rank.</param>
    public HostGroups(IReadOnlyList<int> hostOf, int rank)
    {
        if (rank < 0 || rank >= hostOf.Count) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"Rank {rank} is not one of the {hostOf.Count} ranks.");
        // Renumber by first appearance, so group g's lowest rank comes before group g + 1's.
        var number = new Dictionary<int, int>();
        _hostOf = new int[hostOf.Count];
        for (int r = 0; r < hostOf.Count; r++)
        {
            if (!number.TryGetValue(hostOf[r], out int g)) number[hostOf[r]] = g = number.Count;
            _hostOf[r] = g;
        }
        Count = number.Count;
        Rank = rank;
        _local = [.. Enumerable.Range(0, hostOf.Count).Where(r => _hostOf[r] == _hostOf[rank])];
    }

    /// <summary>The number of machines (groups).</summary>
    public int Count { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The ranks on this rank's machine, in rank order (this one among them).</summary>
    public IReadOnlyList<int> Local => _local;

    /// <summary>Rank <paramref name="rank"/>'s machine (0 for rank 0's).</summary>
    public int HostOf(int rank) => _hostOf[rank];

    /// <summary>Whether rank <paramref name="rank"/> runs on this rank's machine.</summary>
    public bool IsLocal(int rank) => _hostOf[rank] == _hostOf[Rank];

    /// <summary>Rank <paramref name="rank"/>'s place among its machine's ranks (0 for the lowest).</summary>
    public int LocalIndex(int rank)
    {
        int index = 0;
        for (int r = 0; r < rank; r++)
            if (_hostOf[r] == _hostOf[rank]) index++;
        return index;
    }

    /// <summary>The most ranks any machine holds.</summary>
    public int MostPerHost => Enumerable.Range(0, Count).Max(g => _hostOf.Count(h => h == g));

    /// <summary>
    /// Collective: groups the ranks of <paramref name="communicator"/> by host name, or by the names
    /// <see cref="Override"/> gives when it is set (each rank takes its own entry).
    /// </summary>
    /// <exception cref="DeepSharpException">The override does not name one host per rank.</exception>
    public static HostGroups Of(Communicator communicator)
    {
        int ranks = communicator.Size;
        string? names = Environment.GetEnvironmentVariable(Override);
        string mine = Environment.MachineName;
        if (!string.IsNullOrEmpty(names))
        {
            var list = names.Split(',', StringSplitOptions.TrimEntries);
            if (list.Length != ranks || list.Any(string.IsNullOrEmpty))
                throw new DeepSharpException($"{Override}='{names}' must name one host per rank: {ranks} names separated by commas.");
            mine = list[communicator.Rank];
        }
        var send = new byte[NameBytes];
        // Long names keep their first bytes and a hash of the rest, so distinct hosts stay distinct.
        var bytes = Encoding.UTF8.GetBytes(mine);
        if (bytes.Length <= NameBytes) bytes.CopyTo(send, 0);
        else
        {
            bytes.AsSpan(0, NameBytes - 8).CopyTo(send);
            BitConverter.TryWriteBytes(send.AsSpan(NameBytes - 8), Fnv1a(bytes));
        }
        var all = new byte[NameBytes * ranks];
        communicator.Allgather<byte>(send, all);
        var labels = new Dictionary<string, int>();
        var hostOf = new int[ranks];
        for (int r = 0; r < ranks; r++)
        {
            string name = Convert.ToHexString(all, r * NameBytes, NameBytes);
            if (!labels.TryGetValue(name, out int g)) labels[name] = g = labels.Count;
            hostOf[r] = g;
        }
        return new HostGroups(hostOf, communicator.Rank);
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>How the ranks sit, for logs: "2 hosts (2 + 2 ranks)".</summary>
    public override string ToString() =>
        Count == 1 ? "one host" : $"{Count} hosts ({string.Join(" + ", Enumerable.Range(0, Count).Select(g => _hostOf.Count(h => h == g)))} ranks)";
}
