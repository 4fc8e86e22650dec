namespace DeepSharp.Distributed;

/// <summary>
/// Data-parallel training over the processes of an MPI job (Keras's
/// <c>MultiWorkerMirroredStrategy</c>, Horovod, PyTorch DDP): every rank holds the whole model,
/// trains on its share of every global batch, and the gradients are combined before each update,
/// so all ranks keep the same weights. Give one to a compiled model with <c>model.Distribute(strategy)</c>;
/// every Fit then trains this way. <see cref="FromEnvironment"/> reads how the process was launched:
/// under <c>mpiexec</c> (MPICH's Hydra sets PMI_RANK and PMI_SIZE) it joins the job's MPI world;
/// started alone it is one rank and never loads MPI.
/// <code>
/// var strategy = DistributedStrategy.FromEnvironment();
/// model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
/// model.Distribute(strategy);
/// model.Fit(x, y, batchSize: 128, epochs: 10, verbose: strategy.IsChief ? 1 : 0);
/// if (strategy.IsChief) model.Save("model.safetensors");
/// </code>
/// </summary>
public sealed class DistributedStrategy
{
    /// <summary>The default number of samples per chunk in <see cref="GradientReduction.Deterministic"/> mode.</summary>
    public const int DefaultChunkSize = 32;

    /// <summary>The default fusion-buffer size of <see cref="GradientReduction.Fast"/> mode: 25 MiB, as PyTorch DDP's bucket_cap_mb.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    private DistributedStrategy(Communicator communicator, GradientReduction reduction, int chunkSize, long bucketBytes)
    {
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown gradient reduction.");
        if (chunkSize <= 0) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be positive.");
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "bucketBytes must be positive.");
        (Communicator, Reduction, ChunkSize, BucketBytes) = (communicator, reduction, chunkSize, bucketBytes);
    }

    /// <summary>
    /// The strategy for how this process was started: the MPI world when launched by <c>mpiexec</c>
    /// (<see cref="IsMpiLaunch"/>), otherwise one rank without MPI.
    /// </summary>
    /// <param name="reduction">Deterministic (default) or fast.</param>
    /// <param name="chunkSize">Samples per chunk in deterministic mode (the bits depend on it, not on the number of ranks).</param>
    /// <param name="bucketBytes">Bytes per bucket of the exchange (fast mode's fusion buffers; deterministic mode's all-gathers).</param>
    /// <exception cref="MpiUnavailableException">Launched by mpiexec, but libmpich.so.12 is not installed.</exception>
    /// <exception cref="MpiException">MPI failed to start.</exception>
    public static DistributedStrategy FromEnvironment(GradientReduction reduction = GradientReduction.Deterministic, int chunkSize = DefaultChunkSize, long bucketBytes = DefaultBucketBytes) =>
        IsMpiLaunch ? Mpi(reduction, chunkSize, bucketBytes) : SingleProcess(reduction, chunkSize, bucketBytes);

    /// <summary>The MPI world of this job (initialising MPI on first use).</summary>
    /// <inheritdoc cref="FromEnvironment" path="/param"/>
    /// <exception cref="MpiUnavailableException">libmpich.so.12 is not installed.</exception>
    /// <exception cref="MpiException">MPI failed to start.</exception>
    public static DistributedStrategy Mpi(GradientReduction reduction = GradientReduction.Deterministic, int chunkSize = DefaultChunkSize, long bucketBytes = DefaultBucketBytes) =>
        new(MpiCommunicator.World, reduction, chunkSize, bucketBytes);

    /// <summary>
    /// One rank, no MPI: training takes the same path as on several ranks (in deterministic mode the
    /// same chunks and the same bits as any number of ranks).
    /// </summary>
    /// <inheritdoc cref="FromEnvironment" path="/param"/>
    public static DistributedStrategy SingleProcess(GradientReduction reduction = GradientReduction.Deterministic, int chunkSize = DefaultChunkSize, long bucketBytes = DefaultBucketBytes) =>
        new(LocalCommunicator.Instance, reduction, chunkSize, bucketBytes);

    /// <summary>Whether this process was started by MPICH's <c>mpiexec</c> (Hydra sets PMI_RANK and PMI_SIZE).</summary>
    public static bool IsMpiLaunch =>
        Environment.GetEnvironmentVariable("PMI_RANK") is not null && Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    /// <summary>The MPI library's version text (<c>MPI_Get_library_version</c>); null for a single process without MPI.</summary>
    public string? LibraryVersion => Communicator is MpiCommunicator ? Distributed.Mpi.LibraryVersion() : null;

    internal Communicator Communicator { get; }

    /// <summary>This process's rank, 0 ≤ Rank &lt; <see cref="WorldSize"/>.</summary>
    public int Rank => Communicator.Rank;

    /// <summary>The number of processes training together.</summary>
    public int WorldSize => Communicator.Size;

    /// <summary>Whether this is rank 0, the one that prints progress and writes files.</summary>
    public bool IsChief => Rank == 0;

    /// <summary>How gradients are combined.</summary>
    public GradientReduction Reduction { get; }

    /// <summary>Samples per chunk in deterministic mode: the global batch is cut into chunks of this size (the last may be smaller).</summary>
    public int ChunkSize { get; }

    /// <summary>
    /// Bytes per bucket: fast mode's fusion buffers (all-reduced as backward fills them), and in
    /// deterministic mode the pieces in which the node sums travel (all-gathered as the last chunk's
    /// backward finishes them; the bits do not depend on it).
    /// </summary>
    public long BucketBytes { get; }

    /// <summary>
    /// Whether each rank keeps and updates only its slice of the optimizer state (ZeRO stage 1, the
    /// CLI's <c>--shard-optimizer</c>): rank r of W holds the moments of about 1/W of every weight's
    /// values, updates those values and the ranks all-gather the updated weights. Deterministic mode
    /// only; the weights are bit for bit those of the unsharded run. See <see cref="WithOptimizerSharding"/>.
    /// </summary>
    public bool ShardOptimizer { get; private init; }

    /// <summary>
    /// This strategy with optimizer-state sharding (ZeRO stage 1) turned on or off: each rank keeps the
    /// optimizer state (Adam's moments and the like) of its slice of the weights only, so the state's
    /// memory per rank falls to about 1/W; the ranks all-gather the updated weights after each step.
    /// </summary>
    /// <param name="shard">Whether to shard.</param>
    /// <exception cref="InvalidOperationException">Sharding was asked for in <see cref="GradientReduction.Fast"/> mode.</exception>
    public DistributedStrategy WithOptimizerSharding(bool shard = true)
    {
        if (shard && Reduction != GradientReduction.Deterministic)
            throw new InvalidOperationException("Optimizer sharding (ZeRO stage 1) is built for the deterministic reduction only; use GradientReduction.Deterministic.");
        return new DistributedStrategy(Communicator, Reduction, ChunkSize, BucketBytes) { ShardOptimizer = shard, Exchange = Exchange, Profile = Profile };
    }

    /// <summary>
    /// How the deterministic mode's node sums travel (<see cref="DeterministicExchange.Auto"/> by
    /// default: at the first step of several ranks the cheaper of the all-gather — in place through
    /// shared memory where ranks share a machine — and the fixed-order reduce-scatter by a cost model
    /// measured then). The bits do not depend on it. See <see cref="WithExchange"/>.
    /// </summary>
    public DeterministicExchange Exchange { get; private init; }

    /// <summary>
    /// Whether this job's deterministic exchange is the reduce-scatter over MPI: asked for, or chosen by
    /// <see cref="DeterministicExchange.Auto"/> (known once training has run a step on several ranks).
    /// </summary>
    public bool UsesReduceScatter => WorldSize > 1 && (Exchange == DeterministicExchange.ReduceScatter || (Exchange == DeterministicExchange.Auto && Profile.ReduceScatter));

    /// <summary>
    /// What <see cref="DeterministicExchange.Auto"/> chose at the first step of several ranks and the
    /// cost model's figures behind the choice (predicted milliseconds per step of each candidate; α, β
    /// of this job's MPI, this machine's copy and addition per float); null before that or when the
    /// exchange was asked for by name.
    /// </summary>
    public string? ExchangeChoice => Profile.ExchangeChoice;

    /// <summary>
    /// This strategy with the deterministic exchange <paramref name="exchange"/> (the CLI's
    /// <c>--exchange all-gather|reduce-scatter|auto</c>): the weights are the same bits with either;
    /// the reduce-scatter moves and adds less per rank beyond two ranks.
    /// </summary>
    /// <param name="exchange">How the node sums travel.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exchange"/> is not a defined value.</exception>
    /// <exception cref="InvalidOperationException">An exchange other than Auto was asked for in <see cref="GradientReduction.Fast"/> mode.</exception>
    public DistributedStrategy WithExchange(DeterministicExchange exchange)
    {
        if (!Enum.IsDefined(exchange)) throw new ArgumentOutOfRangeException(nameof(exchange), exchange, "Unknown deterministic exchange.");
        if (exchange != DeterministicExchange.Auto && Reduction != GradientReduction.Deterministic)
            throw new InvalidOperationException($"The {exchange} exchange is the deterministic reduction's; fast mode all-reduces with MPI.");
        return new DistributedStrategy(Communicator, Reduction, ChunkSize, BucketBytes) { ShardOptimizer = ShardOptimizer, Exchange = exchange, Profile = Profile };
    }

    /// <summary>Where the data-parallel steps' time went (the bench reads it).</summary>
    internal StepProfile Profile { get; private init; } = new();

    /// <summary>Waits until every rank gets here.</summary>
    public void Barrier() => Communicator.Barrier();

    /// <summary>
    /// Ends the whole job because this rank failed: writes "rank R of W failed: message" to standard
    /// error and calls MPI_Abort, which stops every rank (mpiexec then exits non-zero). A single process
    /// exits with code 1. Does not return.
    /// </summary>
    /// <param name="error">What failed.</param>
    public void Abort(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Console.Out.Flush();
        Console.Error.WriteLine($"DeepSharp: rank {Rank} of {WorldSize} failed: {error.GetType().Name}: {error.Message}");
        Console.Error.WriteLine($"DeepSharp: aborting the job from rank {Rank}.");
        Console.Error.Flush();
        // mpiexec forwards each rank's output through a pipe; give it a moment to pass these lines on
        // before MPI_Abort tears the job down (otherwise they are sometimes lost).
        if (WorldSize > 1) Thread.Sleep(200);
        try
        {
            Communicator.Abort(1);
        }
        finally
        {
            Environment.Exit(1);
        }
    }

    /// <summary>This strategy's settings, for logs.</summary>
    public override string ToString() =>
        $"{WorldSize} rank{(WorldSize == 1 ? "" : "s")} ({(Communicator is MpiCommunicator ? "MPI" : "one process, no MPI")}), " +
        (Reduction == GradientReduction.Deterministic ? $"deterministic reduction, chunks of {ChunkSize} samples{(UsesReduceScatter ? ", reduce-scatter" : "")}{(Profile.SharedMemory ? ", node sums in shared memory" : "")}{(Profile.Hosts > 1 ? $" on {Profile.Hosts} hosts (MPI between them)" : "")}{(Profile.SplitUpdate ? ", root additions and update split between the ranks" : "")}{(Profile.WeightsShared ? ", weights in shared memory" : "")}" : $"fast reduction, buckets of {BucketBytes >> 20} MiB") +
        (ShardOptimizer ? ", optimizer state sharded (ZeRO stage 1)" : "");
}
