namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A small batch through a chain of int8 layers on all the pool's threads at once: the layers'
/// work items are collected as stages (<see cref="Add"/>), then <see cref="Run"/> starts the
/// threads once (<see cref="StepTeam"/>) and they meet at a barrier between stages, spinning
/// briefly, instead of one fork and join of the pool per layer. Thread t runs its contiguous share
/// of every stage's items (items t·count/threads up to (t + 1)·count/threads), so at batch 1 an
/// image cut into as many parts as threads is shared evenly.
/// </summary>
/// <remarks>
/// Which thread runs an item never changes what it computes (each item writes its own bytes), so
/// the results are the same bits on any number of threads. The stages hold pointers into buffers
/// that must stay where they are until <see cref="Run"/> returns. One team per calling thread.
/// </remarks>
internal sealed class Int8Team : IStepSliceBody
{
    [ThreadStatic] private static Int8Team? t_team;

    private readonly StepTeam _team = new();
    private readonly List<(int Count, IParallelBody Body)> _stages = [];
    private int _threads = 1;
    private bool _running;

    /// <summary>This thread's team, emptied, for <paramref name="threads"/> threads (≥ 1).</summary>
    /// <exception cref="InvalidOperationException">The team is running (a stage started another chain on this thread).</exception>
    public static Int8Team Begin(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var team = t_team ??= new Int8Team();
        if (team._running) throw new InvalidOperationException("An int8 team stage started another int8 chain on the same thread.");
        team._stages.Clear();
        team._threads = threads;
        return team;
    }

    /// <summary>The threads the stages are shared by (parts per image are chosen from it).</summary>
    public int Threads => _threads;

    /// <summary>A stage of <paramref name="count"/> items, run after every stage added before it.</summary>
    public void Add(int count, IParallelBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count > 0) _stages.Add((count, body));
    }

    /// <summary>Runs the stages in order, then forgets them.</summary>
    public void Run()
    {
        _running = true;
        try { _team.Run(_stages.Count, _threads, this); }
        finally
        {
            _running = false;
            _stages.Clear();
        }
    }

    /// <inheritdoc />
    public void RunSlice(int step, int slice)
    {
        var (count, body) = _stages[step];
        int end = (int)((long)count * (slice + 1) / _threads);
        for (int i = (int)((long)count * slice / _threads); i < end; i++) body.Execute(i);
    }
}

/// <summary>One call as a work item of one stage (a layer too small to share, run by whichever thread comes).</summary>
internal sealed class Int8Call(Action call) : IParallelBody
{
    /// <inheritdoc />
    public void Execute(int index) => call();
}
