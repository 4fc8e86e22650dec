using System.CommandLine;
using DeepSharp.Distributed;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli;

/// <summary>
/// The CLI under <c>mpiexec -n N deepsharp train ...</c>: MPICH's Hydra sets PMI_RANK and PMI_SIZE,
/// and the command then trains data-parallel over the job's ranks (docs/distributed.md). Rank 0
/// alone prints and writes files; the other ranks' standard output is silenced (errors still show).
/// A rank whose command fails aborts the whole job, so no rank waits forever for it.
/// </summary>
internal static class CliDistributed
{
    /// <summary>The job's strategy under mpiexec; null for a process started alone.</summary>
    public static DistributedStrategy? Strategy { get; private set; }

    /// <summary>Whether this process prints and writes files: rank 0, or a process started alone.</summary>
    public static bool IsChief => Strategy?.IsChief ?? true;

    /// <summary>
    /// <c>deepsharp train ... --shard-optimizer</c> (on <c>train</c> and its data sets): under mpiexec,
    /// each rank keeps only its slice of the optimizer state (ZeRO stage 1); ignored by a process alone.
    /// </summary>
    public static Option<bool> ShardOptimizer { get; } = new("--shard-optimizer")
    {
        Description = "Under mpiexec: each rank keeps and updates only its slice of the optimizer state (ZeRO stage 1); the weights are bit for bit those of an unsharded run.",
        Recursive = true,
    };

    /// <summary>
    /// <c>deepsharp train ... --exchange auto|all-gather|reduce-scatter</c>: how the deterministic mode's
    /// node sums travel under mpiexec (<see cref="DeterministicExchange"/>; the bits are the same).
    /// </summary>
    public static Option<string> Exchange { get; } = CreateExchange();

    private static Option<string> CreateExchange()
    {
        var option = new Option<string>("--exchange")
        {
            Description = "Under mpiexec: how the gradients' partial sums travel: auto (all-gather on 2 ranks, reduce-scatter from 3), all-gather or reduce-scatter; the weights are the same bits with each.",
            DefaultValueFactory = _ => "auto",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("auto", "all-gather", "reduce-scatter");
        return option;
    }

    /// <summary>Joins the MPI job when launched by mpiexec (once per process), sharding the optimizer state when the command line asks.</summary>
    /// <param name="parse">The parsed command line (for <see cref="ShardOptimizer"/> and <see cref="Exchange"/>).</param>
    /// <exception cref="MpiUnavailableException">Launched by mpiexec, but MPICH's library is not installed.</exception>
    public static void Start(ParseResult? parse = null)
    {
        if (Strategy is not null || !DistributedStrategy.IsMpiLaunch) return;
        bool shard = parse?.GetResult(ShardOptimizer) is { } given && given.GetValueOrDefault<bool>();
        var exchange = (parse?.GetResult(Exchange) is { } chosen ? chosen.GetValueOrDefault<string>() : null) switch
        {
            "all-gather" => DeterministicExchange.AllGather,
            "reduce-scatter" => DeterministicExchange.ReduceScatter,
            _ => DeterministicExchange.Auto,
        };
        Strategy = DistributedStrategy.FromEnvironment().WithOptimizerSharding(shard).WithExchange(exchange);
        if (!Strategy.IsChief) Console.SetOut(TextWriter.Null);
    }

    /// <summary>
    /// The kernels' default thread count: every processor, or under mpiexec the processors divided
    /// among the ranks on this machine (Hydra sets MPI_LOCALNRANKS), so ranks do not oversubscribe them.
    /// </summary>
    public static int DefaultThreads =>
        Math.Max(1, Environment.ProcessorCount / Math.Max(1, int.TryParse(Environment.GetEnvironmentVariable("MPI_LOCALNRANKS"), out int local) ? local : 1));

    /// <summary>Makes <paramref name="model"/> train over the job's ranks (nothing for a process alone).</summary>
    public static void Distribute(Model model)
    {
        if (Strategy is { } s) model.Distribute(s);
    }

    /// <summary>A line for the training summary: "on 2 ranks (MPI), deterministic ..." or nothing.</summary>
    public static string Describe() => Strategy is { } s ? $" Data-parallel on {s}." : "";

    /// <summary>
    /// The checkpoint callbacks a run uses: all of them alone; on several ranks --checkpoint-dir's
    /// (rank 0 writes, every rank resumes from it, on any number of ranks; Ctrl-C, which mpiexec
    /// forwards to every rank, stops them all after the same step and rank 0 saves that step's
    /// checkpoint there) but not the save on Ctrl-C into a folder of its own, whose name carries each
    /// rank's clock: without --checkpoint-dir, Ctrl-C under mpiexec stops every rank and saves nothing.
    /// </summary>
    public static List<Callback> CheckpointCallbacks(List<Callback> callbacks) =>
        Strategy is { WorldSize: > 1 } ? callbacks.FindAll(c => c is not BackupAndRestore { SaveOnlyWhenCancelled: true }) : callbacks;

    /// <summary>On several ranks, a failed command ends the whole job (MPI_Abort) with its message, naming this rank.</summary>
    public static void AbortIfSeveral(Exception error)
    {
        if (Strategy is { WorldSize: > 1 } s) s.Abort(error);
    }
}
