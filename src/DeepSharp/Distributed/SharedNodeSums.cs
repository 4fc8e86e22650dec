using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text;

namespace DeepSharp.Distributed;

/// <summary>
/// The deterministic all-gather's node sums in memory the ranks of one machine map: each rank
/// writes its node sums into its own region of one file under <c>/dev/shm</c> per machine (the
/// ranks grouped by <see cref="HostGroups"/>) and raises a flag per bucket; the others of its
/// machine wait for the flag and add straight from that region.
/// After a split update each rank's block of updated weights travels the same way (its own flag), or,
/// when the file has a common area (<see cref="CommonFloats"/>: the machine's one copy of the weights,
/// page-aligned so that <see cref="SharedWeights"/> can map it into each rank's weights), is updated
/// there in place.
/// No MPI call moves the bytes, so no copy is made on either side and no rank has to be inside MPI
/// for another one's data to arrive; the additions are the same, in the same order, as with
/// <c>MPI_Iallgather</c>, so the bits are too. Each machine's lowest rank creates its file, the
/// machine's ranks map it, and the creator unlinks it once all have (the memory lives as long as
/// the mappings, and a killed job leaves nothing behind). <see cref="TryCreate"/> returns null on
/// every rank when any rank cannot map its machine's file (no <c>/dev/shm</c>, too little room in it,
/// a host name shared by two machines), when
/// <c>MPIR_CVAR_NOLOCAL=1</c> asks for the network path (unless <see cref="HostGroups.Override"/> names
/// the hosts: then the ranks of each pretended host share memory and MPI's bytes between the hosts go
/// over the network, as on a real cluster), or when <c>DEEPSHARP_SHARED_MEMORY=0</c>.
/// </summary>
internal sealed unsafe class SharedNodeSums : IDisposable
{
    /// <summary>The environment variable that turns the shared-memory path off (value 0).</summary>
    public const string Switch = "DEEPSHARP_SHARED_MEMORY";

    private const int Line = 64;           // bytes per rank's flag line (one cache line each, no false sharing)
    private const int HeaderBytes = Line;  // the token rank 0 writes, checked by every rank
    private const int NameBytes = 240;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly int _ranks, _flagLongs, _weightsFlag;
    private readonly HostGroups _groups;
    private readonly long _floatsPerRank, _flagBytes, _commonFloats;

    private SharedNodeSums(MemoryMappedFile file, MemoryMappedViewAccessor view, HostGroups groups, int buckets, long floatsPerRank, long commonFloats)
    {
        (_file, _view, _groups, _floatsPerRank, _commonFloats) = (file, view, groups, floatsPerRank, commonFloats);
        _ranks = groups.Local.Count;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
        _flagLongs = FlagLongs(buckets);
        _weightsFlag = 1 + buckets;
        _flagBytes = (long)_flagLongs * sizeof(long);
    }

    /// <summary>Floats each rank's region holds.</summary>
    public long FloatsPerRank => _floatsPerRank;

    /// <summary>Floats of the common area every rank of the machine reads and writes (0: none).</summary>
    public long CommonFloats => _commonFloats;

    /// <summary>The common area's first float: its offset in the file is a whole number of pages.</summary>
    public float* Common => (float*)(_base + CommonStart(_ranks, _flagBytes, _floatsPerRank));

    /// <summary>The machines' grouping of the ranks: only ranks of this one have a region here.</summary>
    public HostGroups Groups => _groups;

    /// <summary>Rank <paramref name="rank"/>'s region (a rank of this machine), floats [start, start + count).</summary>
    public Span<float> Region(int rank, long start, int count) =>
        new(Data(rank) + start, count);

    /// <summary>Where rank <paramref name="rank"/>'s region (a rank of this machine) holds float <paramref name="start"/>: MPI may send from it.</summary>
    public float* Pointer(int rank, long start) => Data(rank) + start;

    /// <summary>
    /// Tells the other ranks that this rank's bucket <paramref name="bucket"/> of step
    /// <paramref name="step"/> is in its region. A full fence, not just a release: the vectorised
    /// additions write large spans with non-temporal stores, which x86 does not order with later
    /// plain stores, and every one of them must be visible before the flag.
    /// </summary>
    public void Publish(int bucket, long step) => Interlocked.Exchange(ref Flag(_groups.Rank, 1 + bucket), step);

    /// <summary>
    /// Tells the other ranks that this rank's updated weights of step <paramref name="step"/> are in its
    /// region (a full fence, as <see cref="Publish"/>).
    /// </summary>
    public void PublishWeights(long step) => Interlocked.Exchange(ref Flag(_groups.Rank, _weightsFlag), step);

    /// <summary>Waits until rank <paramref name="rank"/> has published its updated weights of step <paramref name="step"/> (or a later one).</summary>
    public void WaitWeights(int rank, long step) => Await(ref Flag(rank, _weightsFlag), step);

    /// <summary>Tells the other ranks that this rank has read everything it needs of step <paramref name="step"/>.</summary>
    public void Consumed(long step) => Interlocked.Exchange(ref Flag(_groups.Rank, 0), step);

    /// <summary>Waits until rank <paramref name="rank"/> has published bucket <paramref name="bucket"/> of step <paramref name="step"/> (or a later one).</summary>
    public void WaitPublished(int rank, int bucket, long step) => Await(ref Flag(rank, 1 + bucket), step);

    /// <summary>Waits until every other rank of this machine has read this rank's region of step <paramref name="step"/>, so it may be overwritten.</summary>
    public void WaitConsumed(long step)
    {
        foreach (int r in _groups.Local)
            if (r != _groups.Rank) Await(ref Flag(r, 0), step);
    }

    private static void Await(ref long flag, long step)
    {
        if (Volatile.Read(ref flag) >= step) return;
        // Spins, then yields the core (never sleeps a whole tick): with more ranks than cores the rank
        // being waited for needs it. A rank that dies ends the job (mpiexec kills the others).
        var spin = new SpinWait();
        while (Volatile.Read(ref flag) < step) spin.SpinOnce(sleep1Threshold: -1);
    }

    private ref long Flag(int rank, int index) => ref ((long*)(_base + HeaderBytes + Local(rank) * _flagBytes))[index];

    private float* Data(int rank) => (float*)(_base + DataStart(_ranks, _flagBytes) + Local(rank) * _floatsPerRank * sizeof(float));

    private int Local(int rank) => _groups.IsLocal(rank) ? _groups.LocalIndex(rank)
        : throw new InvalidOperationException($"Rank {rank} runs on another machine than rank {_groups.Rank}: it has no region in this one's shared memory.");

    // Per rank: the consumed flag, one flag per bucket, the weights flag; rounded up to whole lines.
    private static int FlagLongs(int buckets) => (int)((2 + buckets + Line / sizeof(long) - 1) / (Line / sizeof(long)) * (Line / sizeof(long)));

    private static long DataStart(int ranks, long flagBytes) => HeaderBytes + ranks * flagBytes;

    private static long PerRankBytes(long floatsPerRank) => (floatsPerRank * sizeof(float) + Line - 1) / Line * Line;

    // The common area starts on a page of its own (a mapping of it must start on a page boundary).
    private static long CommonStart(int ranks, long flagBytes, long floatsPerRank)
    {
        long page = Environment.SystemPageSize;
        return (DataStart(ranks, flagBytes) + ranks * PerRankBytes(floatsPerRank) + page - 1) / page * page;
    }

    private static long TotalBytes(int ranks, int buckets, long floatsPerRank, long commonFloats)
    {
        long flagBytes = (long)FlagLongs(buckets) * sizeof(long);
        if (commonFloats == 0) return DataStart(ranks, flagBytes) + ranks * PerRankBytes(floatsPerRank);
        long page = Environment.SystemPageSize;
        return CommonStart(ranks, flagBytes, floatsPerRank) + (commonFloats * sizeof(float) + page - 1) / page * page;
    }

    /// <summary>
    /// Collective: maps, on each machine of <paramref name="groups"/> (one machine: null), a region of
    /// <paramref name="floatsPerRank"/> floats and one flag line for <paramref name="buckets"/> buckets
    /// per rank of that machine, and a common area of <paramref name="commonFloats"/> floats (page-aligned,
    /// for <see cref="SharedWeights"/>), or returns null on every rank when any rank cannot (see the class).
    /// The regions start zeroed.
    /// </summary>
    public static SharedNodeSums? TryCreate(Communicator communicator, int buckets, long floatsPerRank, HostGroups? groups = null, long commonFloats = 0)
    {
        bool pretended = groups is not null && Environment.GetEnvironmentVariable(HostGroups.Override) is { Length: > 0 };
        groups ??= new HostGroups(new int[communicator.Size], communicator.Rank);
        int rank = communicator.Rank, ranks = groups.Local.Count, leader = groups.Local[0];
        // Every rank must agree to try (the switches are read per process).
        bool willing = OperatingSystem.IsLinux() && Directory.Exists("/dev/shm")
            && Environment.GetEnvironmentVariable(Switch) != "0" && (Environment.GetEnvironmentVariable("MPIR_CVAR_NOLOCAL") != "1" || pretended);
        if (!AllAgree(communicator, willing)) return null;

        long floatsRounded = (floatsPerRank * sizeof(float) + Line - 1) / Line * Line / sizeof(float);
        long bytes = TotalBytes(ranks, buckets, floatsRounded, commonFloats);
        // Each machine's lowest rank creates its file, writes it whole (a full /dev/shm says so here,
        // not by SIGBUS later) and tells the others its name and a random token the file starts with.
        const int MessageBytes = 8 + 8 + NameBytes;
        var message = new byte[MessageBytes];
        string path = "";
        if (rank == leader)
        {
            long token = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) | 1;
            path = $"/dev/shm/deepsharp-{Environment.ProcessId}-{(ulong)token:x16}";
            if (!CreateZeroed(path, bytes, token)) path = ""; // never delete a file of that name that this rank did not create
            else
            {
                BitConverter.TryWriteBytes(message.AsSpan(0, 8), token);
                BitConverter.TryWriteBytes(message.AsSpan(8, 8), bytes);
                Encoding.UTF8.GetBytes(path, message.AsSpan(16));
            }
        }
        var messages = new byte[MessageBytes * communicator.Size];
        communicator.Allgather<byte>(message, messages);
        message = messages.AsSpan(leader * MessageBytes, MessageBytes).ToArray();
        long expected = BitConverter.ToInt64(message, 0);
        if (rank != leader) path = Encoding.UTF8.GetString(message, 16, NameBytes).TrimEnd('\0');
        SharedNodeSums? mapped = expected == 0 ? null : Map(path, bytes, expected, groups, buckets, floatsRounded, commonFloats);
        bool all = AllAgree(communicator, mapped is not null);
        if (rank == leader && path.Length > 0)
        {
            try
            {
                File.Delete(path); // every rank has mapped it or given up: the memory stays while mapped
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        if (all) return mapped;
        mapped?.Dispose();
        return null;
    }

    private static bool AllAgree(Communicator communicator, bool mine)
    {
        var all = new byte[communicator.Size];
        communicator.Allgather<byte>([(byte)(mine ? 1 : 0)], all);
        return Array.TrueForAll(all, b => b == 1);
    }

    /// <summary>
    /// Creates <paramref name="path"/> (it must not exist) holding <paramref name="bytes"/> zero bytes but
    /// the token in its first 8; false when it cannot. A file already there (another job's, whatever
    /// its name's odds) is left as it was: only a file this call created is deleted on failure.
    /// </summary>
    internal static bool CreateZeroed(string path, long bytes, long token)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        try
        {
            using var created = stream;
            var block = new byte[1 << 20];
            BitConverter.TryWriteBytes(block.AsSpan(0, 8), token);
            for (long at = 0; at < bytes; at += block.Length)
            {
                stream.Write(block, 0, (int)Math.Min(block.Length, bytes - at));
                if (at == 0) block.AsSpan(0, 8).Clear();
            }
            stream.Flush();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
            return false;
        }
    }

    private static SharedNodeSums? Map(string path, long bytes, long token, HostGroups groups, int buckets, long floatsPerRank, long commonFloats)
    {
        FileStream? stream = null;
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length != bytes)
            {
                stream.Dispose();
                return null;
            }
            file = MemoryMappedFile.CreateFromFile(stream, null, bytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false); // owns the stream now
            view = file.CreateViewAccessor(0, bytes, MemoryMappedFileAccess.ReadWrite);
            var shared = new SharedNodeSums(file, view, groups, buckets, floatsPerRank, commonFloats);
            if (*(long*)shared._base != token)
            {
                shared.Dispose();
                return null;
            }
            return shared;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            if (file is not null) file.Dispose();
            else stream?.Dispose();
            return null;
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
