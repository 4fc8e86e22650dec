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

    /// <summary>Reply key: CPU seconds the other (idle) workers used while this one ran the command.</summary>
    public const string OthersCpu = "others_cpu";
    /// <summary>Reply key: CPU seconds used outside the workers meanwhile (other programs, the orchestrator; 10 ms ticks).</summary>
    public const string OutsideCpu = "outside_cpu";
    /// <summary>Reply key: CPU seconds the hypervisor stole meanwhile.</summary>
    public const string Steal = "steal";

    /// <summary>
    /// Warms every worker up on <paramref name="command"/> until two rounds in a row spent at most 1 %
    /// of their time compiling (the reply's "jit" seconds against its "seconds" × "calls": tiered
    /// compilation has settled, so no background compiler thread competes with the timed rounds for
    /// the cores), or <paramref name="maxRounds"/> rounds; workers alternate as in
    /// <see cref="Alternate"/>. Returns how many rounds each worker needed.
    /// </summary>
    public int[] WarmUntilCompiled(string command, int maxRounds, Action<int, WorkerProcess, Reply>? onReply = null)
    {
        var rounds = new int[Workers.Count];
        var done = new bool[Workers.Count];
        var quiet = new int[Workers.Count];
        for (int round = 0; round < maxRounds && done.Contains(false); round++)
            for (int w = 0; w < Workers.Count; w++)
            {
                if (done[w]) continue;
                var reply = Call(w, command);
                rounds[w]++;
                onReply?.Invoke(round, Workers[w], reply);
                bool settled = reply.TryGetValue("jit", out double jit) && jit <= 0.01 * reply.Get("seconds") * reply.Get("calls");
                quiet[w] = settled ? quiet[w] + 1 : 0;
                done[w] = quiet[w] >= 2;
            }
        return rounds;
    }

    /// <summary>Worker <paramref name="w"/> runs <paramref name="command"/> after the pause; the reply gains who else used the CPUs meanwhile.</summary>
    private Reply Call(int w, string command)
    {
        Thread.Sleep(PauseMs);
        var others0 = OthersSeconds(w);
        var (busy0, steal0) = CpuAccounting.MachineSeconds();
        double self0 = CpuAccounting.ProcessSeconds(Workers[w].ProcessId);
        var reply = Workers[w].Call(command);
        double others = OthersSeconds(w) - others0, self = CpuAccounting.ProcessSeconds(Workers[w].ProcessId) - self0;
        var (busy1, steal1) = CpuAccounting.MachineSeconds();
        reply[OthersCpu] = others;
        reply[OutsideCpu] = Math.Max(0, busy1 - busy0 - others - self);
        reply[Steal] = steal1 - steal0;
        return reply;
    }

    private double OthersSeconds(int except)
    {
        double sum = 0;
        for (int i = 0; i < Workers.Count; i++)
            if (i != except) sum += CpuAccounting.ProcessSeconds(Workers[i].ProcessId);
        return sum;
    }

    /// <summary>replies[worker][round] for <paramref name="rounds"/> rounds of <paramref name="command"/>(round).</summary>
    public List<Reply>[] Alternate(Func<int, string> command, int rounds, Action<int, WorkerProcess, Reply>? onReply = null)
    {
        var replies = Workers.Select(_ => new List<Reply>(rounds)).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int w = 0; w < Workers.Count; w++)
            {
                var reply = Call(w, command(round));
                replies[w].Add(reply);
                onReply?.Invoke(round, Workers[w], reply);
            }
        return replies;
    }
}
