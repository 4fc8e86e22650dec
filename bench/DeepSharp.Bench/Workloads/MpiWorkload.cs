using System.Diagnostics;
using System.Globalization;
using DeepSharp.Bench.Harness;
using DeepSharp.Distributed;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (m) Data-parallel training on MPI (docs/distributed.md), run with <c>DeepSharp.Bench --mpi</c>: the
/// seed CNN at global batch 128 as 1 process × 1 thread, 1 process × 2 threads and 2 ranks × 1
/// thread (deterministic over shared memory and over TCP with MPIR_CVAR_NOLOCAL=1 and UCX_TLS=tcp,self, deterministic
/// with the optimizer sharded, fast), each configuration its own process (the bench starts
/// <c>mpiexec</c> itself), in alternation, several rounds; ratios are taken within a round and their
/// median reported. Each rank prints where its step's time went (compute, copies, additions, the
/// exchange, the optimizer), the plain <c>MPI_Allreduce</c> and <c>MPI_Allgather</c> of the
/// gradient's bytes, and the share of the exchange started during backward. <c>--alpha-beta</c>
/// measures MPI's latency and bandwidth (shared memory and TCP) for the scaling model.
/// Not part of the test command: it needs minutes and a quiet machine.
/// </summary>
internal static class MpiWorkload
{
    public const string Usage = """
        DeepSharp.Bench --mpi: data-parallel training of the seed CNN on MPI (needs mpiexec, MPICH).
          --rounds N     rounds of every configuration, in alternation (default 5)
          --steps N      timed steps per run, after the warm-up (default 200)
          --warm N       untimed steps first (default 100: the JIT's tier-1 code and first touches;
                         8 measured tier-0 code and gave 2 ranks half their speed)
          --batch N      global batch (default 128)
          --chunk N      deterministic chunk size (default 32)
          --bucket BYTES exchange bucket size (default 25 MiB, the whole seed CNN's 2.8 MB in one)
          --only LIST    configurations, comma-separated, of: one1,pair1,one2,det1,det2,bound2,whole2,copy2,mpi2,rs2,tcp2,shard2,fast2,det3,det4,rs3,hosts4,tcp4 (default all)
          --phases       the per-phase table for 1-4 ranks: --only one1,det1,bound2,det3,det4,hosts4,tcp4
          --alpha-beta   also measure MPI latency α and bandwidth β (shared memory and TCP)
        """;

    private sealed record Config(string Name, string Label, int Ranks, int Threads, string Mode, bool Tcp, bool Pair = false, bool Bind = false, bool ViaMpi = false, bool Whole = false, string? Hosts = null, bool OwnWeights = false);

    private static readonly Config[] Configs =
    [
        new("one1", "1 process x 1 thread, plain Fit", 0, 1, "plain", false),
        new("pair1", "2 independent processes x 1 thread at once, plain Fit (sum)", 0, 1, "plain", false, Pair: true),
        new("one2", "1 process x 2 threads, plain Fit", 0, 2, "plain", false),
        new("det1", "1 process x 1 thread, deterministic (chunks, no MPI)", 0, 1, "det", false),
        new("det2", "2 ranks x 1 thread, deterministic, shared memory", 2, 1, "det", false),
        new("bound2", "2 ranks x 1 thread, deterministic, each bound to a core", 2, 1, "det", false, Bind: true),
        new("whole2", "2 ranks x 1 thread, deterministic, bound, not split (each rank adds and updates all)", 2, 1, "det", false, Bind: true, Whole: true),
        new("copy2", "2 ranks x 1 thread, deterministic, bound, split, each rank its own weights (blocks copied)", 2, 1, "det", false, Bind: true, OwnWeights: true),
        new("mpi2", "2 ranks x 1 thread, deterministic, bound, node sums by MPI_Iallgather", 2, 1, "det", false, Bind: true, ViaMpi: true),
        new("rs2", "2 ranks x 1 thread, deterministic, reduce-scatter", 2, 1, "detrs", false),
        new("tcp2", "2 ranks x 1 thread, deterministic, TCP (NOLOCAL, UCX_TLS=tcp)", 2, 1, "det", true),
        new("shard2", "2 ranks x 1 thread, deterministic, optimizer sharded", 2, 1, "shard", false),
        new("fast2", "2 ranks x 1 thread, fast (MPI_Iallreduce)", 2, 1, "fast", false),
        new("det3", "3 ranks x 1 thread, deterministic, Auto (oversubscribed on 2 cores)", 3, 1, "det", false),
        new("det4", "4 ranks x 1 thread, deterministic, Auto (oversubscribed on 2 cores)", 4, 1, "det", false),
        new("rs3", "3 ranks x 1 thread, deterministic, reduce-scatter (oversubscribed on 2 cores)", 3, 1, "detrs", false),
        new("hosts4", "4 ranks x 1 thread, deterministic, as 2 hosts of 2 (DEEPSHARP_HOSTS=a,a,b,b)", 4, 1, "det", false, Hosts: "a,a,b,b"),
        new("tcp4", "4 ranks x 1 thread, deterministic, 2 hosts of 2, TCP between them (a,a,b,b; NOLOCAL, UCX_TLS=tcp)", 4, 1, "det", true, Hosts: "a,a,b,b"),
    ];

    /// <summary>The orchestrator: every configuration in alternation, then the table.</summary>
    public static int Orchestrate(string[] args)
    {
        int rounds = 5, steps = 200, warm = 100, batch = 128, chunk = 32;
        long bucket = DistributedStrategy.DefaultBucketBytes;
        bool alphaBeta = false;
        var only = Configs.Select(c => c.Name).ToHashSet();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--rounds": rounds = NextInt(); break;
                case "--steps": steps = NextInt(); break;
                case "--warm": warm = NextInt(); break;
                case "--batch": batch = NextInt(); break;
                case "--chunk": chunk = NextInt(); break;
                case "--bucket": bucket = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--only": only = [.. Next().Split(',')]; break;
                case "--phases": only = ["one1", "det1", "bound2", "det3", "det4", "hosts4", "tcp4"]; break;
                case "--alpha-beta": alphaBeta = true; break;
                case "--help": Console.WriteLine(Usage); return 0;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'.\n{Usage}");
                    return 2;
            }
        }
        var chosen = Configs.Where(c => only.Contains(c.Name)).ToArray();
        Console.WriteLine($"DeepSharp.Bench --mpi: seed CNN, global batch {batch}, chunks of {chunk}, buckets of {bucket} B, {steps} timed steps after {warm}, {rounds} rounds");
        Console.WriteLine($"  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical CPUs, load {SystemInfo.LoadAverage()}");
        var rates = chosen.ToDictionary(c => c.Name, _ => new List<double>());
        var cpuRates = chosen.ToDictionary(c => c.Name, _ => new List<double>());
        var ratios = new Dictionary<string, List<double>>();
        var cpuRatios = new Dictionary<string, List<double>>();
        var lastProfile = new Dictionary<string, string>();
        var phases = chosen.ToDictionary(c => c.Name, _ => new List<double[]>());
        for (int round = 0; round < rounds; round++)
        {
            var thisRound = new Dictionary<string, double>();
            var thisRoundCpu = new Dictionary<string, double>();
            foreach (var c in chosen)
            {
                string[] rankArgs = [$"mode={c.Mode}", $"threads={c.Threads}", $"steps={steps}", $"warm={warm}", $"batch={batch}", $"chunk={chunk}", $"bucket={bucket}"];
                // pair1: two independent one-thread processes at once, the machine's ceiling for two ranks
                // (shared caches and memory), its rate the sum of theirs.
                var runs = c.Pair
                    ? Task.WhenAll(Task.Run(() => Launch(0, false, rankArgs)), Task.Run(() => Launch(0, false, rankArgs))).Result
                    : [Launch(c.Ranks, c.Tcp, rankArgs, c.Bind, c.ViaMpi, c.Whole, c.Hosts, c.OwnWeights)];
                var lines = runs.SelectMany(l => l).ToList();
                string Result(List<string> run) => run.FirstOrDefault(l => l.StartsWith("MPIBENCH ", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"{c.Label}: no result line:\n{string.Join('\n', run)}");
                double rate = runs.Sum(run => double.Parse(Field(Result(run), "stepsPerSecond"), CultureInfo.InvariantCulture));
                // The same from process CPU time less the CPU spent waiting for other ranks: steps per second of
                // the busiest rank's own work (what the job would run with a core per rank, nothing else running
                // and no wait; MPI's copies inside its waits are not counted, so mpi2's figure is optimistic).
                double cpuRate = runs.Sum(run => 1000 / double.Parse(Field(Result(run), "cpuMsPerStep"), CultureInfo.InvariantCulture));
                rates[c.Name].Add(rate);
                thisRound[c.Name] = rate;
                cpuRates[c.Name].Add(cpuRate);
                thisRoundCpu[c.Name] = cpuRate;
                phases[c.Name].Add(MeanPhases(runs[0]));
                lastProfile[c.Name] = string.Join("\n      ", lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()));
                Console.WriteLine($"  round {round + 1}: {c.Label}: {rate:F2} steps/s, {cpuRate:F2} per CPU-second of the busiest rank's work (load {SystemInfo.LoadAverage()})");
            }
            foreach (var a in thisRound)
                foreach (var b in thisRound)
                    if (a.Key != b.Key)
                    {
                        (ratios.TryGetValue(a.Key + "/" + b.Key, out var l) ? l : ratios[a.Key + "/" + b.Key] = []).Add(a.Value / b.Value);
                        (cpuRatios.TryGetValue(a.Key + "/" + b.Key, out var k) ? k : cpuRatios[a.Key + "/" + b.Key] = []).Add(thisRoundCpu[a.Key] / thisRoundCpu[b.Key]);
                    }
        }
        Console.WriteLine();
        Console.WriteLine($"== Steps per second, median [min-max] of {rounds} rounds; load {SystemInfo.LoadAverage()}");
        foreach (var c in chosen)
        {
            var s = Stats.Of(rates[c.Name]);
            Console.WriteLine($"  {c.Label,-58} {s.Median,7:F2} [{s.Min:F2}-{s.Max:F2}]  ({s.Median * batch:F0} images/s)");
        }
        (string, string)[] pairs = [("pair1", "one1"), ("det2", "pair1"), ("det2", "one1"), ("bound2", "one1"), ("bound2", "whole2"), ("bound2", "copy2"), ("copy2", "one1"), ("whole2", "one1"), ("bound2", "det2"), ("bound2", "pair1"), ("mpi2", "one1"), ("bound2", "mpi2"), ("rs2", "one1"), ("rs2", "det2"), ("tcp2", "one1"), ("shard2", "one1"), ("fast2", "one1"), ("det2", "one2"), ("one2", "one1"), ("det1", "one1"), ("det3", "one1"), ("det4", "one1"), ("det3", "rs3"), ("hosts4", "det4"), ("tcp4", "hosts4"), ("tcp4", "det4")];
        Console.WriteLine("== Ratios within a round, median [min-max]");
        foreach (var (a, b) in pairs)
            if (ratios.TryGetValue(a + "/" + b, out var r))
            {
                var s = Stats.Of(r);
                Console.WriteLine($"  {a} / {b}: {s.Median:F3}x [{s.Min:F3}-{s.Max:F3}]");
            }
        Console.WriteLine("== CPU-time ratios within a round (steps per CPU-second of the busiest rank's work, waits for other ranks left out; a busy machine's wall-clock ratios mislead), median [min-max]");
        foreach (var (a, b) in pairs)
            if (cpuRatios.TryGetValue(a + "/" + b, out var r))
            {
                var s = Stats.Of(r);
                Console.WriteLine($"  {a} / {b}: {s.Median:F3}x [{s.Min:F3}-{s.Max:F3}]");
            }
        Console.WriteLine("== Per-phase ms per step (the ranks' mean, median of the rounds; wall time, so oversubscribed ranks' phases include time preempted)");
        Console.WriteLine($"  {"",-8} {"ranks",5} {"compute",8} {"adds",6} {"copies",6} {"exchange",8} {"waited",6} {"update",6} {"weights",7} {"other",6} {"total",6}");
        foreach (var c in chosen)
            if (phases[c.Name].Count > 0 && phases[c.Name][0].Length > 0)
            {
                var m = Enumerable.Range(0, PhaseNames.Length).Select(i => Stats.Of(phases[c.Name].Select(p => p[i]).ToList()).Median).ToArray();
                Console.WriteLine($"  {c.Name,-8} {Math.Max(1, c.Ranks),5} {m[0],8:F3} {m[1],6:F3} {m[2],6:F3} {m[3],8:F3} {m[4],6:F3} {m[5],6:F3} {m[6],7:F3} {m[7] - m[0] - m[1] - m[2] - m[3] - m[5] - m[6],6:F3} {m[7],6:F3}");
            }
        Console.WriteLine("== Where a step's time goes (last round, every rank)");
        foreach (var c in chosen)
            if (lastProfile.TryGetValue(c.Name, out var p) && p.Length > 0) Console.WriteLine($"  {c.Name}: {p}");
        if (alphaBeta)
        {
            Console.WriteLine("== MPI latency and bandwidth (2 ranks, MPI_Allgather of n bytes per rank; MPI_Allreduce of n bytes)");
            var fits = new List<(string Name, double Alpha, double Beta)>();
            foreach (bool tcp in new[] { false, true })
            {
                Console.WriteLine(tcp ? "  TCP (MPIR_CVAR_NOLOCAL=1 UCX_TLS=tcp,self):" : "  shared memory:");
                foreach (var line in Launch(2, tcp, "mode=alphabeta"))
                {
                    if (line.StartsWith("  ", StringComparison.Ordinal)) Console.WriteLine("  " + line);
                    if (line.StartsWith("FIT ", StringComparison.Ordinal))
                        fits.Add((tcp ? "TCP" : "shared memory", double.Parse(Field(line, "alpha"), CultureInfo.InvariantCulture), double.Parse(Field(line, "beta"), CultureInfo.InvariantCulture)));
                }
            }
            double seedStep = rates.TryGetValue("det1", out var det1) && det1.Count > 0 ? 1 / Stats.Of(det1).Median : double.NaN;
            var gpt = Launch(0, false, "mode=gpt").First(l => l.StartsWith("GPT ", StringComparison.Ordinal));
            double gptStep = 1 / double.Parse(Field(gpt, "stepsPerSecond"), CultureInfo.InvariantCulture);
            ScalingModel.Print(fits, seedStep, gptStep);
        }
        return 0;
    }

    private static readonly string[] PhaseNames = ["compute", "add", "copy", "exchange", "waited", "optimizer", "weights", "total"];

    /// <summary>A run's PHASES lines (one per rank) averaged over the ranks; empty when it printed none (plain Fit).</summary>
    private static double[] MeanPhases(List<string> run)
    {
        var lines = run.Where(l => l.StartsWith("PHASES ", StringComparison.Ordinal)).ToList();
        if (lines.Count == 0) return [];
        return [.. PhaseNames.Select(name => lines.Average(l => double.Parse(Field(l, name), CultureInfo.InvariantCulture)))];
    }

    private static string Field(string line, string key)
    {
        foreach (var part in line.Split(' '))
            if (part.StartsWith(key + "=", StringComparison.Ordinal)) return part[(key.Length + 1)..];
        throw new InvalidOperationException($"No {key} in '{line}'.");
    }

    /// <summary>This bench as ranks (mpiexec -n <paramref name="ranks"/>, or one process when 0); its standard output's lines.</summary>
    private static List<string> Launch(int ranks, bool tcp, params string[] args) => Launch(ranks, tcp, args, bind: false);

    /// <summary>As above; with <paramref name="bind"/> Hydra binds each rank to a core of its own (<c>-bind-to core</c>).</summary>
    /// With <paramref name="whole"/> every rank adds up and updates all the weights (the split update off).
    private static List<string> Launch(int ranks, bool tcp, string[] args, bool bind, bool viaMpi = false, bool whole = false, string? hosts = null, bool ownWeights = false)
    {
        string self = typeof(MpiWorkload).Assembly.Location;
        string[] binding = bind ? ["-bind-to", "core"] : [];
        var psi = ranks == 0
            ? new ProcessStartInfo("dotnet", [self, "--mpi-rank", .. args])
            : new ProcessStartInfo(Mpiexec(), [.. binding, "-n", ranks.ToString(CultureInfo.InvariantCulture), "dotnet", self, "--mpi-rank", .. args]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        if (viaMpi) psi.Environment[SharedNodeSums.Switch] = "0"; // the all-gather's node sums through MPI, not shared memory
        if (whole) psi.Environment[DataParallelRun.SplitSwitch] = "0";
        if (ownWeights) psi.Environment[DataParallelRun.SharedWeightsSwitch] = "0"; // the updated blocks copied between the ranks' own weights
        if (hosts is not null) psi.Environment[HostGroups.Override] = hosts; // ranks grouped as if on several machines
        if (tcp)
        {
            // Debian's MPICH is ch4:ucx: NOLOCAL makes MPICH skip its own shared memory, and UCX_TLS keeps UCX
            // from using shared memory in its place, so the ranks talk TCP as between two hosts.
            psi.Environment["MPIR_CVAR_NOLOCAL"] = "1";
            psi.Environment["UCX_TLS"] = "tcp,self";
        }
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (process.StandardOutput.ReadLine() is { } line) lines.Add(line);
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', psi.ArgumentList)} exited with {process.ExitCode}:\n{string.Join('\n', lines)}\n{error.Result}");
        return lines;
    }

    private static string Mpiexec()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "mpiexec"))) return Path.Combine(dir, "mpiexec");
        throw new InvalidOperationException("mpiexec is not installed: apt-get install -y --no-install-recommends mpich");
    }

    /// <summary>One rank (or the one process) of a configuration: trains, prints MPIBENCH and its profile from rank 0.</summary>
    public static int Rank(string[] args)
    {
        var a = args.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        int Int(string key, int fallback) => a.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string mode = a.GetValueOrDefault("mode", "det");
        if (mode == "alphabeta") return AlphaBeta();
        if (mode == "gpt")
        {
            // (g)'s char-GPT step on one thread: the compute time per rank of the scaling model.
            DeepSharp.Threads.Count = 1;
            double tokens = CharGptWorkload.DeepSharp(Args.Parse(["min=2"])).Get("tokensPerSecond");
            Console.WriteLine($"GPT stepsPerSecond={(tokens / (32 * 64)).ToString("R", CultureInfo.InvariantCulture)}");
            return 0;
        }
        int threads = Int("threads", 1), steps = Int("steps", 200), warm = Int("warm", 100), batch = Int("batch", 128), chunk = Int("chunk", 32);
        long bucket = a.TryGetValue("bucket", out var bucketText) ? long.Parse(bucketText, CultureInfo.InvariantCulture) : DistributedStrategy.DefaultBucketBytes;
        DeepSharp.Threads.Count = threads;
        StepProfile.MeasureCpu = true;
        var strategy = mode switch
        {
            "plain" => null,
            "det" => DistributedStrategy.FromEnvironment(GradientReduction.Deterministic, chunk, bucket),
            "detrs" => DistributedStrategy.FromEnvironment(GradientReduction.Deterministic, chunk, bucket).WithExchange(DeterministicExchange.ReduceScatter),
            "detag" => DistributedStrategy.FromEnvironment(GradientReduction.Deterministic, chunk, bucket).WithExchange(DeterministicExchange.AllGather),
            "shard" => DistributedStrategy.FromEnvironment(GradientReduction.Deterministic, chunk, bucket).WithOptimizerSharding(),
            "fast" => DistributedStrategy.FromEnvironment(GradientReduction.Fast, bucketBytes: bucket),
            _ => throw new ArgumentException($"unknown mode '{mode}'"),
        };
        int rank = strategy?.Rank ?? 0;
        RandomGenerator.SetGlobalSeed(7);
        var model = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, Activation.Relu),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        if (strategy is not null) model.Distribute(strategy);
        var (x, y) = Images((steps + warm) * batch);
        var clock = new StepClock(warm, strategy);
        model.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0, shuffle: false, callbacks: [clock]);
        double perStep = clock.Seconds / steps;
        double waitCpu = (strategy?.Profile.WaitCpu.TotalSeconds ?? 0) / steps;
        double cpuPerStep = clock.CpuSeconds / steps - waitCpu;
        string profile = (strategy?.Profile.ToString() ?? "steps " + steps) + $"; process CPU {(cpuPerStep + waitCpu) * 1000:F3} ms/step, of which {waitCpu * 1000:F3} waiting for the other ranks; " + clock.Memory(steps) + $"; optimizer state {clock.OptimizerFloats * 4 / 1024.0:F0} KiB on this rank";
        // The busiest rank's CPU time per step (each rank's, gathered).
        if (strategy is { WorldSize: > 1 })
        {
            var all = new double[strategy.WorldSize];
            strategy.Communicator.Allgather<double>([cpuPerStep], all);
            cpuPerStep = all.Max();
        }
        string collectives = "";
        if (strategy is { WorldSize: > 1 })
        {
            int values = model.TrainableParameters.Sum(p => p.Value.Size);
            var (allreduce, allgather) = PlainCollectives(strategy, values); // every rank takes part
            collectives = $"plain MPI_Allreduce of the gradient ({values} floats): {allreduce.Min * 1000:F3} ms min, {allreduce.Median * 1000:F3} median; " +
                $"MPI_Allgather of it per rank: {allgather.Min * 1000:F3} ms min, {allgather.Median * 1000:F3} median (30 each)";
        }
        // Every rank's profile (a rank that waits long in the exchange waits for a slower one), gathered
        // to rank 0 so that the ranks' lines do not interleave in mpiexec's output.
        var profiles = strategy is { WorldSize: > 1 } ? GatherText(strategy, profile) : [profile];
        string phases = "";
        if (strategy is not null)
        {
            var q = strategy.Profile;
            phases = string.Join(' ', new[] { q.Compute, q.Add, q.Copy, q.Exchange, q.WaitAfterBackward, q.Optimizer, q.Weights, q.Total }
                .Select((t, i) => $"{PhaseNames[i]}={q.PerStepMs(t).ToString("R", CultureInfo.InvariantCulture)}"));
        }
        var allPhases = strategy is { WorldSize: > 1 } ? GatherText(strategy, phases) : [phases];
        if (rank != 0) return 0;
        Console.WriteLine($"MPIBENCH mode={mode} ranks={strategy?.WorldSize ?? 1} threads={threads} stepsPerSecond={(1 / perStep).ToString("R", CultureInfo.InvariantCulture)} msPerStep={perStep * 1000:F3} cpuMsPerStep={(cpuPerStep * 1000).ToString("R", CultureInfo.InvariantCulture)}");
        for (int r = 0; r < profiles.Length; r++) Console.WriteLine($"  rank {r}: {profiles[r]}");
        if (strategy?.ExchangeChoice is { } choice) Console.WriteLine($"  exchange: {choice}");
        foreach (var line in allPhases)
            if (line.Length > 0) Console.WriteLine("PHASES " + line);
        if (collectives.Length > 0) Console.WriteLine("  " + collectives);
        return 0;
    }

    /// <summary>Every rank's <paramref name="text"/> (up to 2 KiB of UTF-8 each), in rank order, on every rank.</summary>
    private static string[] GatherText(DistributedStrategy strategy, string text)
    {
        const int Room = 2048;
        var mine = new byte[Room];
        System.Text.Encoding.UTF8.GetBytes(text.Length > Room / 4 ? text[..(Room / 4)] : text, mine);
        var all = new byte[Room * strategy.WorldSize];
        strategy.Communicator.Allgather<byte>(mine, all);
        return [.. Enumerable.Range(0, strategy.WorldSize).Select(r => System.Text.Encoding.UTF8.GetString(all, r * Room, Array.IndexOf(all, (byte)0, r * Room, Room) is int end and >= 0 ? end - r * Room : Room))];
    }

    /// <summary>Seconds of an in-place MPI_Allreduce of <paramref name="values"/> floats, and of an MPI_Allgather of as many per rank.</summary>
    private static unsafe (Stats Allreduce, Stats Allgather) PlainCollectives(DistributedStrategy strategy, int values)
    {
        var buffer = new float[values];
        var gathered = new float[(long)values * strategy.WorldSize];
        var reduce = new List<double>();
        var gather = new List<double>();
        for (int i = 0; i < 33; i++)
        {
            strategy.Barrier();
            long t0 = Stopwatch.GetTimestamp();
            fixed (float* p = buffer) Mpi.Allreduce(MpiNative.InPlace, p, values, MpiNative.Float, MpiNative.Sum, MpiNative.CommWorld);
            long t1 = Stopwatch.GetTimestamp();
            strategy.Communicator.Allgather<float>(buffer, gathered);
            long t2 = Stopwatch.GetTimestamp();
            if (i < 3) continue;
            reduce.Add((double)(t1 - t0) / Stopwatch.Frequency);
            gather.Add((double)(t2 - t1) / Stopwatch.Frequency);
        }
        return (Stats.Of(reduce), Stats.Of(gather));
    }

    /// <summary>
    /// MPI_Allgather (n bytes per rank) and MPI_Allreduce (n bytes) over sizes from 8 B to 16 MiB,
    /// medians, and α, β fitted to the all-gather by least squares (t = α + n·β on 2 ranks).
    /// </summary>
    private static unsafe int AlphaBeta()
    {
        var strategy = DistributedStrategy.Mpi();
        var sizes = new List<double>();
        var times = new List<double>();
        for (int bytes = 8; bytes <= 16 << 20; bytes *= 4)
        {
            var send = new byte[bytes];
            var receive = new byte[(long)bytes * strategy.WorldSize];
            var floats = new float[Math.Max(1, bytes / 4)];
            int reps = bytes < 1 << 16 ? 300 : bytes < 1 << 22 ? 40 : 12;
            var gather = new List<double>();
            var reduce = new List<double>();
            for (int i = 0; i < reps + 20; i++)
            {
                strategy.Barrier();
                long t0 = Stopwatch.GetTimestamp();
                strategy.Communicator.Allgather<byte>(send, receive);
                long t1 = Stopwatch.GetTimestamp();
                fixed (float* p = floats) Mpi.Allreduce(MpiNative.InPlace, p, floats.Length, MpiNative.Float, MpiNative.Sum, MpiNative.CommWorld);
                long t2 = Stopwatch.GetTimestamp();
                if (i < 20) continue; // warm-up: connections, first touches
                gather.Add((double)(t1 - t0) / Stopwatch.Frequency);
                reduce.Add((double)(t2 - t1) / Stopwatch.Frequency);
            }
            // The minimum is the uncontended cost (a busy machine only adds to it); the median beside it.
            var g = Stats.Of(gather);
            var r = Stats.Of(reduce);
            sizes.Add(bytes);
            times.Add(g.Min);
            if (strategy.IsChief) Console.WriteLine($"  {bytes,10} B: allgather min {g.Min * 1e6,9:F1} us (median {g.Median * 1e6,9:F1}), allreduce min {r.Min * 1e6,9:F1} us (median {r.Median * 1e6,9:F1})");
        }
        // t = alpha + n * beta on 2 ranks. Small messages are latency-bound: alpha is the least of their
        // minima; beta the best (least) (t - alpha) / n over the sizes of 1 MiB and more (a busy machine
        // only adds to the times, so the least is the closest to the uncontended cost).
        double alpha = sizes.Select((s, i) => (s, t: times[i])).Where(p => p.s <= 8192).Min(p => p.t);
        double beta = sizes.Select((s, i) => (s, t: times[i])).Where(p => p.s >= 1 << 20).Min(p => (p.t - alpha) / p.s);
        if (strategy.IsChief)
        {
            Console.WriteLine($"  alpha (least all-gather time up to 8 KiB) {alpha * 1e6:F2} us; beta {beta * 1e9:F3} ns/B ({1 / beta / 1e9:F2} GB/s), from the minima of 1-16 MiB");
            Console.WriteLine($"FIT alpha={alpha.ToString("R", CultureInfo.InvariantCulture)} beta={beta.ToString("R", CultureInfo.InvariantCulture)}");
        }
        return 0;
    }

    /// <summary>Random images and one-hot labels from a fixed seed (the same on every rank); speed does not depend on them.</summary>
    private static (Tensor X, Tensor Y) Images(int count)
    {
        var random = new Random(42);
        var x = Tensor.Zeros(new Shape(count, 28, 28, 1));
        var xs = x.Span;
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)random.NextDouble();
        var y = Tensor.Zeros(new Shape(count, 10));
        var ys = y.Span;
        for (int i = 0; i < count; i++) ys[i * 10 + random.Next(10)] = 1f;
        return (x, y);
    }

    /// <summary>Times the steps after the first <c>warm</c> (and resets the strategy's profile there).</summary>
    private sealed class StepClock(int warm, DistributedStrategy? strategy) : Callback
    {
        private long _start, _end, _allocatedStart, _allocatedEnd;
        private TimeSpan _cpuStart, _cpuEnd;

        /// <summary>The process's CPU time (all its threads) during the timed steps.</summary>
        public double CpuSeconds => (_cpuEnd - _cpuStart).TotalSeconds;
        private readonly int[] _collectionsStart = new int[3], _collectionsEnd = new int[3];

        public double Seconds => (double)(_end - _start) / Stopwatch.Frequency;

        /// <summary>Bytes allocated and garbage collections (gen 0, 1, 2) during the timed steps.</summary>
        public string Memory(int steps) =>
            $"allocated {(double)(_allocatedEnd - _allocatedStart) / steps / 1024:F0} KiB/step, GCs gen0/1/2 " +
            $"{_collectionsEnd[0] - _collectionsStart[0]}/{_collectionsEnd[1] - _collectionsStart[1]}/{_collectionsEnd[2] - _collectionsStart[2]} " +
            $"in {steps} steps, GC pauses {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms in the whole run";

        /// <summary>Floats of optimizer state this rank holds during training (its slice when the update is split or sharded).</summary>
        public long OptimizerFloats { get; private set; }

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            OptimizerFloats = Model?.Optimizer?.StateFloats ?? 0;
            if (step == warm - 1)
            {
                _start = Stopwatch.GetTimestamp();
                _cpuStart = Environment.CpuUsage.TotalTime;
                strategy?.Profile.Reset();
                Take(ref _allocatedStart, _collectionsStart);
            }
            _end = Stopwatch.GetTimestamp();
            _cpuEnd = Environment.CpuUsage.TotalTime;
            Take(ref _allocatedEnd, _collectionsEnd);
        }

        private static void Take(ref long allocated, int[] collections)
        {
            allocated = GC.GetTotalAllocatedBytes();
            for (int g = 0; g < 3; g++) collections[g] = GC.CollectionCount(g);
        }
    }
}
