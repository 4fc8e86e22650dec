namespace DeepSharp.Bench.Harness;

/// <summary>
/// Runs the same command on every worker in turn, round after round (A B C A B C ...), so that a
/// change in the machine's load hits every framework alike. Only one worker runs at a time.
/// </summary>
internal sealed class AbRunner(IReadOnlyList<WorkerProcess> workers)
{
    // Lets the previous worker's threads (OpenMP spin-waits, the pool's) go to sleep before the next starts.
    private const int PauseMs = 50;

    /// <summary>Worker 0 is DeepSharp; the others are references.</summary>
    public IReadOnlyList<WorkerProcess> Workers { get; } = workers;

    /// <summary>replies[worker][round] for <paramref name="rounds"/> rounds of <paramref name="command"/>(round).</summary>
    public List<Reply>[] Alternate(Func<int, string> command, int rounds, Action<int, WorkerProcess, Reply>? onReply = null)
    {
        var replies = Workers.Select(_ => new List<Reply>(rounds)).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int w = 0; w < Workers.Count; w++)
            {
                Thread.Sleep(PauseMs);
                var reply = Workers[w].Call(command(round));
                replies[w].Add(reply);
                onReply?.Invoke(round, Workers[w], reply);
            }
        return replies;
    }
}
