namespace DeepSharp.Bench.Harness;

/// <summary>What a workload's orchestrator part needs: options, the workers, the result table, the log.</summary>
internal sealed class BenchContext(BenchOptions options, AbRunner runner, ResultTable table, double peakGflops)
{
    public BenchOptions Options { get; } = options;
    public AbRunner Runner { get; } = runner;
    public ResultTable Table { get; } = table;

    /// <summary>Achieved GFLOP/s of the workloads with a known FLOP count, printed after the results.</summary>
    public Roofline Roofline { get; } = new(runner.Workers.Select(w => w.Label).ToList());

    /// <summary>
    /// The measured FMA peak of the threads used, in GFLOP/s: the best measurement so far, since a
    /// peak is a maximum and a busy machine only ever makes it look lower.
    /// </summary>
    public double PeakGflops { get; private set; } = peakGflops;

    /// <summary>Measures the peak again and keeps the higher value.</summary>
    public void RemeasurePeak()
    {
        var (gflops, how) = FmaPeak.Measure(Options.Threads);
        Log($"FMA peak again: {how}");
        if (gflops > PeakGflops) PeakGflops = gflops;
    }

    public void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}  [{DateTime.UtcNow:HH:mm:ss}Z, load {SystemInfo.LoadAverage()}]");
    }

    public void Log(string line) => Console.WriteLine("  " + line);

    /// <summary>Per worker, the statistics of one value over its rounds.</summary>
    public Stats[] PerWorker(List<Reply>[] replies, Func<Reply, double> value, bool skipFirst = false, bool onlyFirst = false) =>
        replies.Select(rs =>
        {
            var values = rs.Select(value).ToList();
            if (onlyFirst) return Stats.Single(values[0]);
            if (skipFirst && values.Count > 1) values.RemoveAt(0);
            return Stats.Of(values);
        }).ToArray();
}
