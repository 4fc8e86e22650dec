using System.Numerics.Tensors;

namespace DeepSharp.Distributed;

/// <summary>
/// Sums a global batch's chunk gradients over the ranks in <see cref="ChunkTree"/>'s fixed order,
/// so the result has the same bits for any number of ranks. Each rank computes the gradients of its
/// share of the chunks one chunk at a time and adds them up to the largest tree nodes inside its share
/// (<see cref="LocalSumPlan"/>); the ranks exchange those node sums with non-blocking all-gathers, one
/// per bucket (<see cref="ExchangeBuckets"/>), each started as soon as every gradient in the bucket is
/// final during the rank's last chunk's backward; every rank then adds the nodes up the tree to the
/// root, bucket by bucket, straight into the parameters' gradients. With the reduce-scatter exchange
/// each bucket is cut into one slice per rank instead: rank r receives slice r of every rank's node
/// sums (one non-blocking all-to-all per bucket), adds only that slice up the tree, and the ranks
/// all-gather the summed slices. The tree is elementwise, so a slice's sum has the bits of the whole
/// one, and every value is summed by exactly one rank in the one fixed order. When every rank can
/// map it (one machine), the all-gather moves nothing: each node sum's last write goes into the rank's
/// region of shared memory (<see cref="SharedNodeSums"/>), a flag per bucket says it is complete, and
/// the other ranks add from it in place; there the ranks may also split the work after the exchange
/// (<see cref="Finish"/> with its own block only, then <see cref="ShareWeights"/>): each adds up and
/// updates only its block of the values and hands the updated weights to the others the same way,
/// or, from the second step on (<see cref="KeepWeightsShared"/>), writes them in place into the one
/// copy of the weights the machine's ranks share, so that nothing is handed over but a flag.
/// Across machines (<see cref="HostGroups"/>) the ranks of each machine read each other's node sums
/// in place as above, and each rank receives its block of the other machines' node sums by MPI
/// (one all-to-all per bucket and slot), adds its block up the tree, and the updated blocks (or, not
/// split, the summed ones) are all-gathered by MPI. <see cref="DeterministicExchange.Auto"/> picks
/// the way by <see cref="ExchangeCostModel"/> at the first step.
/// <para>
/// Use per step: <see cref="Begin"/>, then for each of <see cref="MyChunks"/> in order: run the chunk
/// and hand in every tensor's gradient with <see cref="TensorReady"/> (any order, each once; during
/// backward for the last chunk, to overlap the exchange), then <see cref="ChunkDone"/>; finally
/// <see cref="Finish"/>. Cost per step and rank: one all-gather of (at most a few) × P floats — with K
/// a power of two and W dividing it exactly one node of P floats per rank (as many bytes as a ring
/// all-reduce moves for two ranks) — plus one copy of P floats per left-child chunk and one addition
/// per tree node, where P is the number of trainable values.
/// </para>
/// </summary>
internal sealed unsafe class DeterministicReducer : IDisposable
{
    private readonly Communicator _communicator;
    private readonly int[] _offset, _size;
    private readonly ExchangeBuckets _buckets;
    private int _chunks = -1, _slots;
    private LocalSumPlan _plan = null!;
    private List<(int Lo, int Hi)>[] _covers = [];
    private Dictionary<(int, int), (int Rank, int Slot)> _where = [];
    private float[] _send = [], _receive = [];
    private readonly List<float[]> _localScratch = [], _globalScratch = [];
    private float[]? _zeros;
    private int _cursor;               // the current chunk's Compute step in the plan
    private bool[] _handedIn = [];
    private long _firstStart;          // when this step's first bucket started (0: none yet)

    // The all-gather over memory the ranks share (one machine): the node sums' last writes go straight
    // into this rank's region, the others add from it. _lastWrite[i]: step i of the plan is the last
    // write into its send slot; _step counts Begins; _sharedSince: the step the mapping was made in.
    private SharedNodeSums? _shared;
    private bool _sharedTried, _writable;
    private bool[] _lastWrite = [];
    private long _step, _sharedSince;
    private long _weightsAt;           // where each rank's region keeps its block of updated weights (after its node sums)
    private SharedWeights? _weights;   // the weights themselves in the file's common area, updated in place (KeepWeightsShared)

    // The reduce-scatter exchange: per bucket, every rank's slice (counts and flat starts, W ints each,
    // pinned: MPI reads them until the request is done), what this rank receives from each rank (its
    // slice's length, at rank × length), where its received slices start, and the all-gathers of the sums.
    private bool _scatter;
    private int[][] _sliceCounts = [], _sliceStarts = [], _sendCounts = [], _mineCounts = [], _mineDispls = [];
    private long[] _receiveBase = [];
    private int[] _gathers = [];
    private float[] _reduced = [];

    // How the node sums travel: asked for, and (Auto) decided at the first step; the machines the ranks
    // run on. _hosts: several machines, shared memory inside each and each rank's block of the others'
    // node sums by MPI (the split's blocks, UpdateBlocks, as the slices of an all-to-all).
    private readonly DeterministicExchange _exchange;
    private bool _decided, _hosts;
    private HostGroups? _groups;
    private int[] _blockCounts = [], _blockStarts = [];

    /// <param name="communicator">The ranks.</param>
    /// <param name="sizes">Floats per trainable tensor, in index order (the flat layout).</param>
    /// <param name="bucketBytes">Bytes per exchange bucket (a tensor larger than a bucket is split).</param>
    /// <param name="exchange">How the node sums travel (<see cref="DeterministicExchange"/>); Auto decides at the first step by <see cref="ExchangeCostModel"/>; ignored on one rank.</param>
    /// <param name="sharedMemory">Whether the all-gather may read the node sums from shared memory where ranks can map it (<see cref="SharedNodeSums"/>); else MPI moves them.</param>
    /// <param name="groups">Which ranks share a machine (null: <see cref="HostGroups.Of"/> at the first step).</param>
    public DeterministicReducer(Communicator communicator, IReadOnlyList<int> sizes, long bucketBytes, DeterministicExchange exchange = DeterministicExchange.AllGather, bool sharedMemory = true, HostGroups? groups = null)
    {
        _communicator = communicator;
        _sharedTried = !sharedMemory;
        _exchange = exchange;
        _groups = groups;
        _scatter = exchange == DeterministicExchange.ReduceScatter && communicator.Size > 1;
        _decided = _scatter || communicator.Size == 1;
        (_offset, _size) = (new int[sizes.Count], new int[sizes.Count]);
        long at = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            (_offset[i], _size[i]) = ((int)at, sizes[i]);
            at += sizes[i];
        }
        Length = at <= Array.MaxLength ? (int)at : throw new ArgumentOutOfRangeException(nameof(sizes), at, "The gradient does not fit one flat vector.");
        _buckets = new ExchangeBuckets(_offset, _size, bucketBytes);
        _handedIn = new bool[sizes.Count];
        if (_scatter) _reduced = GC.AllocateArray<float>(Math.Max(1, Length), pinned: true);
    }

    /// <summary>Whether the node sums travel by the fixed-order reduce-scatter over MPI (with Auto: known after the first <see cref="Begin"/>).</summary>
    public bool ReduceScatter => _scatter;

    /// <summary>Whether the other ranks' node sums are read from shared memory (those on this rank's machine; set at the first step).</summary>
    public bool SharedMemory => _shared is not null;

    /// <summary>Whether the ranks run on several machines, with shared memory inside each and MPI between them (set at the first step).</summary>
    public bool AcrossHosts => _hosts;

    /// <summary>What <see cref="DeterministicExchange.Auto"/> chose and why (the cost model's figures), for logs; null before the choice or when none was made.</summary>
    public string? Choice { get; private set; }

    /// <summary>
    /// With the reduce-scatter, the flat vector the global gradient is gathered into (fixed for the
    /// reducer's life): gradients that are views of it (tensor i at <see cref="Offset"/>(i)) are not
    /// copied by <see cref="Finish"/>. Null with the all-gather, whose root sums go straight into the gradients.
    /// </summary>
    public float[]? ResultBuffer => _scatter ? _reduced : null;

    /// <summary>Floats per gradient (the model's trainable values).</summary>
    public int Length { get; }

    /// <summary>Where the time goes.</summary>
    public StepProfile Profile { get; set; } = new();

    /// <summary>The exchange's buckets.</summary>
    public ExchangeBuckets Buckets => _buckets;

    /// <summary>This rank's chunks of the step begun, in the order they must run.</summary>
    public IReadOnlyList<int> MyChunks => _plan.Chunks;

    /// <summary>Whether <paramref name="chunk"/> is this rank's last of the step (the one whose backward overlaps the exchange).</summary>
    public bool IsLast(int chunk) => _plan.Chunks.Count > 0 && _plan.Chunks[^1] == chunk;

    /// <summary>
    /// Where the current chunk's gradient belongs when backward may write it there directly: the
    /// array and the flat vector's start in it of the node buffer the chunk's gradient is copied into
    /// (tensor i's gradient at <c>Start + offset(i)</c>); null when the chunk is a right child, whose
    /// gradient is added to its left sibling instead (that addition must stay one addition of the
    /// whole chunk gradient, or the bits would change). A gradient handed to <see cref="TensorReady"/>
    /// that already lies there is not copied.
    /// </summary>
    public (float[] Array, int Start)? CurrentTarget()
    {
        if (_cursor >= _plan.Steps.Count) return null;
        var compute = _plan.Steps[_cursor];
        int next = _cursor + 1;
        if (next < _plan.Steps.Count && _plan.Steps[next] is { IsAdd: true } fused && fused.Source == compute.Target) return null;
        if (compute.Target < _slots) return (_send, compute.Target * Length);
        Region(compute.Target, 0, 0); // the scratch of that depth exists
        return (_localScratch[compute.Target - _slots], 0);
    }

    /// <summary>Tensor <paramref name="index"/>'s offset in the flat gradient.</summary>
    public int Offset(int index) => _offset[index];

    /// <summary>Starts a step of <paramref name="chunks"/> chunks.</summary>
    public void Begin(int chunks)
    {
        _step++;
        _writable = false;
        if (chunks != _chunks) Layout(chunks);
        _cursor = _plan.NextCompute(-1);
        Array.Clear(_handedIn);
        _buckets.BeginStep();
        _firstStart = 0;
        // A rank without chunks has nothing to wait for: its (unused) slots go out at once, in order.
        if (_plan.Chunks.Count == 0) StartReadyBuckets(all: true);
    }

    /// <summary>
    /// Tensor <paramref name="index"/>'s gradient for the current chunk (null: zeros), already scaled
    /// to the chunk's share of the global mean: it goes into the chunk's node, and the tree's additions
    /// that wait for this chunk run on its values; in the last chunk its buckets may start travelling.
    /// </summary>
    public void TensorReady(int index, ReadOnlySpan<float> gradient, bool none = false)
    {
        if (_handedIn[index]) throw new InvalidOperationException($"Gradient {index} was handed in twice for one chunk.");
        _handedIn[index] = true;
        long t0 = StepProfile.Now;
        int start = _offset[index], size = _size[index];
        if (none) gradient = Zeros(size);
        var compute = _plan.Steps[_cursor];
        int next = _cursor + 1;
        if (next < _plan.Steps.Count && _plan.Steps[next] is { IsAdd: true } fused && fused.Source == compute.Target)
        {
            // The chunk is a right child: add it to its left sibling straight from the gradient (no copy).
            var left = Region(fused.Target, start, size);
            TensorPrimitives.Add(left, gradient, Final(next, left, start, size));
            next++;
        }
        else
        {
            var node = Region(compute.Target, start, size);
            if (!(gradient.Overlaps((ReadOnlySpan<float>)node, out int shift) && shift == 0)) gradient.CopyTo(node); // backward wrote it in place
            else Profile.BytesInPlace += (long)size * sizeof(float);
            var final = Final(_cursor, node, start, size);
            if (!final.Overlaps(node)) gradient.CopyTo(final); // a node of one chunk: into the shared region too
        }
        for (; next < _plan.Steps.Count && _plan.Steps[next].IsAdd; next++)
        {
            var add = _plan.Steps[next];
            var target = Region(add.Target, start, size);
            TensorPrimitives.Add(target, Region(add.Source, start, size), Final(next, target, start, size));
        }
        Profile.Add += StepProfile.Now - t0;
        if (_cursor == _plan.LastCompute)
        {
            _buckets.TensorDone(index);
            StartReadyBuckets(all: false);
        }
    }

    /// <summary>The current chunk is complete (tensors never handed in count as zeros); moves to the next.</summary>
    public void ChunkDone()
    {
        for (int i = 0; i < _handedIn.Length; i++)
            if (!_handedIn[i]) TensorReady(i, default, none: true);
        Array.Clear(_handedIn);
        _cursor = _plan.NextCompute(_cursor);
    }

    /// <summary>This rank's block of the flat vector when the update is split (<see cref="UpdateBlocks"/>).</summary>
    public (int Lo, int Hi) OwnBlock => UpdateBlocks.Range(Length, _communicator.Size, _communicator.Rank);

    /// <summary>
    /// Waits for the exchange, bucket by bucket, and adds the nodes up the tree to the root into
    /// <paramref name="gradientOf"/>(tensor) (a tensor's whole gradient span), so every rank holds the
    /// global gradient. With <paramref name="weightsFollow"/> (shared memory only) the ranks then split
    /// the update: each updates its <see cref="OwnBlock"/> and hands it to the others with
    /// <see cref="ShareWeights"/>, which must follow; with <paramref name="ownBlockOnly"/> too, this
    /// rank adds up only its block's values (the rest of the gradients is left as it was), the
    /// reduce-scatter's work split without moving a byte: the tree is elementwise, so the block's sums
    /// have the bits of the whole ones.
    /// </summary>
    public void Finish(Func<int, Span<float>> gradientOf, bool weightsFollow = false, bool ownBlockOnly = false)
    {
        if ((weightsFollow || ownBlockOnly) && _shared is null) throw new InvalidOperationException("Splitting the update needs the node sums in shared memory.");
        if (ownBlockOnly && !weightsFollow) throw new InvalidOperationException("Adding up only this rank's block needs the weights shared after the update.");
        if (_firstStart != 0) Profile.HeadStart += StepProfile.Now - _firstStart;
        StartReadyBuckets(all: true);
        if (_scatter)
        {
            FinishScattered(gradientOf);
            return;
        }
        if (_hosts)
        {
            FinishAcrossHosts(gradientOf, ownBlockOnly);
            return;
        }
        var (lo, hi) = ownBlockOnly ? OwnBlock : (0, Length);
        for (int b = 0; b < _buckets.Count; b++)
        {
            var (bucketStart, bucketCount) = _buckets.Range(b);
            // None of this rank's values; but with the weights in place every rank's last bucket is waited
            // for: it says that rank's backward is over, so the weights may be overwritten.
            if ((bucketStart >= hi || bucketStart + bucketCount <= lo) && !(_weights is not null && b == _buckets.Count - 1)) continue;
            long t0 = StepProfile.Now;
            var c0 = StepProfile.CpuNow;
            WaitBucket(b);
            Profile.WaitCpu += StepProfile.CpuNow - c0;
            long t1 = StepProfile.Now;
            Profile.WaitAfterBackward += t1 - t0;
            Profile.Exchange += t1 - t0;
            foreach (var (tensor, segmentStart, segmentCount) in _buckets.Segments(b))
            {
                int start = Math.Max(segmentStart, lo), end = Math.Min(segmentStart + segmentCount, hi), count = end - start;
                if (count <= 0) continue;
                var destination = gradientOf(tensor).Slice(start - _offset[tensor], count);
                var root = SumGlobal(0, _chunks, 0, 0, start, count, b, destination);
                if (!root.Overlaps(destination)) root.CopyTo(destination);
            }
            Profile.Add += StepProfile.Now - t1;
        }
        if (!weightsFollow) _shared?.Consumed(_step); // the others may overwrite their regions in the next step
    }

    /// <summary>
    /// After a split update (<see cref="Finish"/> with weightsFollow): writes this rank's block of the
    /// updated weights (<paramref name="valueOf"/>(tensor), a tensor's whole value span) into its shared
    /// region, raises its flag, and copies every other rank's block into the weights as its flag
    /// rises, so every rank holds all the updated weights (each value from the one rank that computed
    /// it, so the bits are the same everywhere). Then tells the others that this rank has read all it
    /// needs of the step.
    /// </summary>
    public void ShareWeights(Func<int, Span<float>> valueOf)
    {
        var shared = _shared ?? throw new InvalidOperationException("Sharing the weights needs the node sums in shared memory.");
        long t0 = StepProfile.Now;
        if (_hosts)
        {
            ShareWeightsAcrossHosts(valueOf);
            Profile.Weights += StepProfile.Now - t0;
            return;
        }
        if (!_writable)
        {
            if (_step - 1 >= _sharedSince) shared.WaitConsumed(_step - 1); // the others have read this region's last step
            _writable = true;
        }
        int ranks = _communicator.Size, rank = _communicator.Rank;
        var (lo, hi) = OwnBlock;
        if (_weights is null) CopyBlock(lo, hi, shared.Region(rank, _weightsAt, hi - lo), valueOf, intoBlock: true);
        shared.PublishWeights(_step); // with the weights in place, the update wrote them there: nothing to copy either way
        var c0 = StepProfile.CpuNow;
        long waited = 0;
        for (int r = 0; r < ranks; r++)
        {
            if (r == rank) continue;
            var (a, z) = UpdateBlocks.Range(Length, ranks, r);
            if (z <= a) continue;
            long w0 = StepProfile.Now;
            shared.WaitWeights(r, _step);
            waited += StepProfile.Now - w0;
            if (_weights is null) CopyBlock(a, z, shared.Region(r, _weightsAt, z - a), valueOf, intoBlock: false);
        }
        Profile.WaitCpu += StepProfile.CpuNow - c0;
        shared.Consumed(_step); // node sums and weights read: the others may overwrite their regions in the next step
        Profile.WeightsWait += waited;
        Profile.Weights += StepProfile.Now - t0;
    }

    /// <summary>Whether the weights live in the machine's shared file and each rank updates its block there in place (<see cref="KeepWeightsShared"/>).</summary>
    public bool WeightsShared => _weights is not null;

    /// <summary>
    /// Collective, right after a split step's <see cref="ShareWeights"/> (every rank holds all the
    /// updated weights): moves the weights into the common area of the machine's shared file, mapped
    /// into a pinned array on every rank (<see cref="SharedWeights"/>), when every rank is
    /// <paramref name="willing"/> and can; null on every rank otherwise. Each rank writes its own block
    /// of <paramref name="valueOf"/>(tensor) there, and no rank returns before all have. The caller then
    /// points the weights' tensors at the array (tensor i at <see cref="SharedWeights.Start"/> +
    /// <see cref="Offset"/>(i)). From then on the optimizer's update of this rank's block writes the
    /// weights every rank reads, <see cref="ShareWeights"/> copies nothing (it publishes and waits), and
    /// every rank's last bucket is published only once its backward, which reads the weights, is over.
    /// </summary>
    public SharedWeights? KeepWeightsShared(Func<int, Span<float>> valueOf, bool willing)
    {
        if (_weights is not null) return _weights;
        willing &= _shared is { } shared && !_hosts && !_scatter && shared.CommonFloats >= Length;
        var weights = willing ? SharedWeights.TryCreate(_shared!, Length) : null;
        var all = new byte[_communicator.Size];
        _communicator.Allgather<byte>([(byte)(weights is null ? 0 : 1)], all);
        if (!Array.TrueForAll(all, b => b == 1))
        {
            weights?.Dispose();
            return null;
        }
        var (lo, hi) = OwnBlock;
        CopyBlock(lo, hi, weights!.Values.Slice(lo, hi - lo), valueOf, intoBlock: true);
        _communicator.Barrier(); // every block is there before any rank reads the weights from the file
        _weights = weights;
        Profile.WeightsShared = true;
        return weights;
    }

    /// <summary>Copies flat values [lo, hi) between the tensors' spans and <paramref name="block"/> (its start at lo).</summary>
    private void CopyBlock(int lo, int hi, Span<float> block, Func<int, Span<float>> valueOf, bool intoBlock)
    {
        for (int i = 0; i < _size.Length; i++)
        {
            int start = Math.Max(lo, _offset[i]), end = Math.Min(hi, _offset[i] + _size[i]);
            if (end <= start) continue;
            var values = valueOf(i).Slice(start - _offset[i], end - start);
            var part = block.Slice(start - lo, end - start);
            if (intoBlock) values.CopyTo(part);
            else part.CopyTo(values);
        }
    }

    /// <summary>
    /// Where step <paramref name="step"/> of the plan writes tensor elements [start, start + count):
    /// the send slot's range of this rank's shared region when it is the slot's last write (so the
    /// node sum lands where the other ranks read it, with no copy), else <paramref name="local"/>.
    /// </summary>
    private Span<float> Final(int step, Span<float> local, int start, int count)
    {
        if (_shared is null || !_lastWrite[step]) return local;
        if (!_writable)
        {
            // Every rank has read this rank's region of the last step (the step's loss all-gather
            // already ensures it; this keeps the reducer correct on its own).
            long t0 = StepProfile.Now;
            if (_step - 1 >= _sharedSince) _shared.WaitConsumed(_step - 1);
            _writable = true;
            Profile.Exchange += StepProfile.Now - t0;
        }
        return _shared.Region(_communicator.Rank, (long)_plan.Steps[step].Target * Length + start, count);
    }

    /// <summary>Releases the shared memory (its mapping), if any.</summary>
    public void Dispose()
    {
        _weights?.Dispose(); // the weights' array gets private memory again, with the values it holds
        _weights = null;
        _shared?.Dispose();
        _shared = null;
    }

    /// <summary>
    /// The reduce-scatter's end: bucket by bucket, waits for this rank's slices of every rank's nodes,
    /// adds its slice up the tree and starts the all-gather of the summed slices; then waits for those
    /// and copies each bucket's global sums into the gradients.
    /// </summary>
    private void FinishScattered(Func<int, Span<float>> gradientOf)
    {
        int rank = _communicator.Rank;
        for (int b = 0; b < _buckets.Count; b++)
        {
            long t0 = StepProfile.Now;
            var c0 = StepProfile.CpuNow;
            WaitBucket(b);
            Profile.WaitCpu += StepProfile.CpuNow - c0;
            long t1 = StepProfile.Now;
            Profile.WaitAfterBackward += t1 - t0;
            Profile.Exchange += t1 - t0;
            int start = _sliceStarts[b][rank], count = _sliceCounts[b][rank];
            if (count > 0)
            {
                var destination = _reduced.AsSpan(start, count);
                var root = SumGlobal(0, _chunks, 0, 0, start, count, b, destination);
                if (!root.Overlaps(destination)) root.CopyTo(destination);
            }
            long t2 = StepProfile.Now;
            Profile.Add += t2 - t1;
            fixed (float* reduced = _reduced)
            fixed (int* counts = _sliceCounts[b])
            fixed (int* starts = _sliceStarts[b])
                _gathers[b] = _communicator.StartAllgatherv(reduced, counts, starts);
            Profile.Exchange += StepProfile.Now - t2;
        }
        for (int b = 0; b < _buckets.Count; b++)
        {
            long t0 = StepProfile.Now;
            var c0 = StepProfile.CpuNow;
            _communicator.Wait(ref _gathers[b]);
            Profile.WaitCpu += StepProfile.CpuNow - c0;
            long t1 = StepProfile.Now;
            Profile.WaitAfterBackward += t1 - t0;
            Profile.Exchange += t1 - t0;
            foreach (var (tensor, start, count) in _buckets.Segments(b))
            {
                var destination = gradientOf(tensor).Slice(start - _offset[tensor], count);
                var sum = _reduced.AsSpan(start, count);
                if (!(sum.Overlaps(destination, out int shift) && shift == 0)) sum.CopyTo(destination); // a view of the result needs no copy
            }
            Profile.Copy += StepProfile.Now - t1;
        }
    }

    /// <summary>
    /// Across machines, once bucket <paramref name="b"/>'s node sums are in this rank's shared region:
    /// sends each rank of another machine its block's part of them, slot by slot, straight from the
    /// region (one <c>MPI_Ialltoallv</c> per slot, in bucket order on every rank), and receives this
    /// rank's block's part of theirs.
    /// </summary>
    private void StartRemoteBlocks(int b)
    {
        int ranks = _communicator.Size, rank = _communicator.Rank, mine = _sliceCounts[b][rank];
        for (int s = 0; s < _slots; s++)
            fixed (float* receive = _receive)
            fixed (int* counts = _sendCounts[b])
            fixed (int* starts = _sliceStarts[b])
            fixed (int* mineCounts = _mineCounts[b])
            fixed (int* mineDispls = _mineDispls[b])
                _buckets.Request(b, s) = _communicator.StartAlltoallv(_shared!.Pointer(rank, (long)s * Length), counts, starts,
                    receive + _receiveBase[b] + (long)s * ranks * mine, mineCounts, mineDispls);
    }

    /// <summary>
    /// Across machines: waits for every bucket (this machine's flags, the other machines' parts by
    /// MPI), adds this rank's block up the tree, and tells this machine's ranks that its region is
    /// read; the block goes into the gradients, or, with <paramref name="ownBlockOnly"/> false, every
    /// rank's summed block is all-gathered (<c>MPI_Iallgatherv</c>) and the whole gradient copied in.
    /// </summary>
    private void FinishAcrossHosts(Func<int, Span<float>> gradientOf, bool ownBlockOnly)
    {
        var (lo, hi) = OwnBlock;
        for (int b = 0; b < _buckets.Count; b++)
        {
            long t0 = StepProfile.Now;
            var c0 = StepProfile.CpuNow;
            WaitBucket(b); // every bucket: each all-to-all must end, this rank's part or not
            Profile.WaitCpu += StepProfile.CpuNow - c0;
            long t1 = StepProfile.Now;
            Profile.WaitAfterBackward += t1 - t0;
            Profile.Exchange += t1 - t0;
            int start = _sliceStarts[b][_communicator.Rank], count = _sliceCounts[b][_communicator.Rank];
            if (count > 0)
            {
                var destination = _reduced.AsSpan(start, count);
                var root = SumGlobal(0, _chunks, 0, 0, start, count, b, destination);
                if (!root.Overlaps(destination)) root.CopyTo(destination);
            }
            Profile.Add += StepProfile.Now - t1;
        }
        _shared!.Consumed(_step); // this machine's ranks may overwrite their regions in the next step
        long t2 = StepProfile.Now;
        if (!ownBlockOnly)
        {
            fixed (float* reduced = _reduced)
            fixed (int* counts = _blockCounts)
            fixed (int* starts = _blockStarts)
            {
                int request = _communicator.StartAllgatherv(reduced, counts, starts);
                _communicator.Wait(ref request);
            }
            Profile.Exchange += StepProfile.Now - t2;
            t2 = StepProfile.Now;
            (lo, hi) = (0, Length);
        }
        CopyBlock(lo, hi, _reduced.AsSpan(lo, hi - lo), gradientOf, intoBlock: false);
        Profile.Copy += StepProfile.Now - t2;
    }

    /// <summary>Across machines, after a split update: every rank's updated block to every rank by <c>MPI_Iallgatherv</c> (bucket-free: one call).</summary>
    private void ShareWeightsAcrossHosts(Func<int, Span<float>> valueOf)
    {
        var (lo, hi) = OwnBlock;
        CopyBlock(lo, hi, _reduced.AsSpan(lo, hi - lo), valueOf, intoBlock: true);
        long w0 = StepProfile.Now;
        var c0 = StepProfile.CpuNow;
        fixed (float* reduced = _reduced)
        fixed (int* counts = _blockCounts)
        fixed (int* starts = _blockStarts)
        {
            int request = _communicator.StartAllgatherv(reduced, counts, starts);
            _communicator.Wait(ref request);
        }
        Profile.WaitCpu += StepProfile.CpuNow - c0;
        Profile.WeightsWait += StepProfile.Now - w0;
        if (lo > 0) CopyBlock(0, lo, _reduced.AsSpan(0, lo), valueOf, intoBlock: false);
        if (hi < Length) CopyBlock(hi, Length, _reduced.AsSpan(hi, Length - hi), valueOf, intoBlock: false);
    }

    /// <summary>
    /// The all-to-all's slices and where this rank's received slices go: each bucket cut into W
    /// balanced pieces (the reduce-scatter), or across machines into its parts in each rank's
    /// <see cref="UpdateBlocks"/> block, sent to the ranks of other machines only.
    /// </summary>
    private void LayoutSlices()
    {
        int ranks = _communicator.Size, rank = _communicator.Rank;
        (_sliceCounts, _sliceStarts, _sendCounts, _mineCounts, _mineDispls) = (new int[_buckets.Count][], new int[_buckets.Count][], new int[_buckets.Count][], new int[_buckets.Count][], new int[_buckets.Count][]);
        _receiveBase = new long[_buckets.Count];
        _gathers = new int[_buckets.Count];
        long at = 0;
        for (int b = 0; b < _buckets.Count; b++)
        {
            var (start, count) = _buckets.Range(b);
            (_sliceCounts[b], _sliceStarts[b]) = (GC.AllocateArray<int>(ranks, pinned: true), GC.AllocateArray<int>(ranks, pinned: true));
            for (int d = 0; d < ranks; d++)
            {
                if (_hosts)
                {
                    var (blockLo, blockHi) = UpdateBlocks.Range(Length, ranks, d);
                    int lo = Math.Clamp(blockLo, start, start + count), hi = Math.Clamp(blockHi, start, start + count);
                    (_sliceStarts[b][d], _sliceCounts[b][d]) = (lo, hi - lo);
                }
                else
                {
                    var (lo, hi) = ChunkTree.Share(count, d, ranks);
                    (_sliceStarts[b][d], _sliceCounts[b][d]) = (start + lo, hi - lo);
                }
            }
            // Across machines a rank's own machine's node sums are read from shared memory: nothing travels between them.
            _sendCounts[b] = _hosts ? GC.AllocateArray<int>(ranks, pinned: true) : _sliceCounts[b];
            if (_hosts)
                for (int d = 0; d < ranks; d++) _sendCounts[b][d] = _shared!.Groups.IsLocal(d) ? 0 : _sliceCounts[b][d];
            int mine = _sliceCounts[b][rank];
            (_mineCounts[b], _mineDispls[b]) = (GC.AllocateArray<int>(ranks, pinned: true), GC.AllocateArray<int>(ranks, pinned: true));
            for (int s = 0; s < ranks; s++) (_mineCounts[b][s], _mineDispls[b][s]) = (_hosts && _shared!.Groups.IsLocal(s) ? 0 : mine, s * mine);
            _receiveBase[b] = at;
            at += (long)_slots * ranks * mine;
        }
        _receive = GC.AllocateArray<float>(checked((int)Math.Max(1, at)), pinned: true);
    }

    private void Layout(int chunks)
    {
        int ranks = _communicator.Size, rank = _communicator.Rank;
        // Every rank knows every rank's nodes: the tree and the shares depend on K and W only.
        _covers = new List<(int Lo, int Hi)>[ranks];
        _slots = 0;
        _where = [];
        for (int r = 0; r < ranks; r++)
        {
            var (a, b) = ChunkTree.Share(chunks, r, ranks);
            _covers[r] = ChunkTree.Cover(chunks, a, b);
            _slots = Math.Max(_slots, _covers[r].Count);
            for (int s = 0; s < _covers[r].Count; s++) _where[_covers[r][s]] = (r, s);
        }
        _plan = new LocalSumPlan(_covers[rank], _slots);
        _buckets.SetSlots(_slots);
        // Pinned: MPI reads and writes them while backward and the collector go on.
        _send = GC.AllocateArray<float>(checked(_slots * Length), pinned: true);
        if (!_decided) Decide();
        else if (!_scatter && ranks > 1) LayoutShared();
        _lastWrite = new bool[_plan.Steps.Count];
        if (_shared is not null)
        {
            var last = new int[_slots];
            Array.Fill(last, -1);
            for (int i = 0; i < _plan.Steps.Count; i++)
                if (_plan.Steps[i].Target < _slots) last[_plan.Steps[i].Target] = i;
            foreach (int i in last)
                if (i >= 0) _lastWrite[i] = true;
        }
        if (_scatter || _hosts) LayoutSlices();
        else _receive = ranks == 1 || _shared is not null ? [] : GC.AllocateArray<float>(checked(_slots * Length * ranks), pinned: true);
        _chunks = chunks;
    }

    /// <summary>
    /// Collective, at the first step of several ranks: how the node sums travel. The reduce-scatter
    /// when asked for; else shared memory where the ranks of a machine can map it (one machine: the
    /// all-gather in place; several: in place inside each, each rank's block by MPI between them),
    /// else MPI's all-gather; with Auto the reduce-scatter is a candidate too, and the cheapest by
    /// <see cref="ExchangeCostModel"/>, measured now, is taken (the same on every rank).
    /// </summary>
    private void Decide()
    {
        _groups ??= HostGroups.Of(_communicator);
        bool auto = _exchange == DeterministicExchange.Auto;
        // An explicit all-gather reads shared memory on one machine only (across machines it is MPI's).
        if (auto || _groups.Count == 1) LayoutShared();
        else _sharedTried = true;
        var own = _shared is null ? ExchangeCostModel.Path.MpiAllGather
            : _groups.Count == 1 ? ExchangeCostModel.Path.SharedSplit : ExchangeCostModel.Path.HostBlocks;
        var chosen = own;
        if (auto)
        {
            var model = ExchangeCostModel.Measure(_communicator);
            var (best, all) = model.Choose([own, ExchangeCostModel.Path.MpiReduceScatter], Length, _communicator.Size, _slots, _groups.MostPerHost);
            chosen = best;
            Choice = $"{best} chosen by the measured cost model ({string.Join(", ", all.Select(c => $"{c.Path} {c.Seconds * 1e3:F3} ms"))} per step; {model})";
        }
        if (chosen == ExchangeCostModel.Path.MpiReduceScatter)
        {
            _shared?.Dispose(); // every rank chose alike: the node sums go by MPI
            _shared = null;
            Profile.SharedMemory = false;
            _scatter = true;
            _reduced = GC.AllocateArray<float>(Math.Max(1, Length), pinned: true);
        }
        _hosts = chosen == ExchangeCostModel.Path.HostBlocks;
        if (_hosts)
        {
            _reduced = GC.AllocateArray<float>(Math.Max(1, Length), pinned: true);
            (_blockCounts, _blockStarts) = (GC.AllocateArray<int>(_communicator.Size, pinned: true), GC.AllocateArray<int>(_communicator.Size, pinned: true));
            for (int r = 0; r < _communicator.Size; r++)
            {
                var (lo, hi) = UpdateBlocks.Range(Length, _communicator.Size, r);
                (_blockStarts[r], _blockCounts[r]) = (lo, hi - lo);
            }
        }
        Profile.Hosts = _groups.Count;
        Profile.ReduceScatter = _scatter;
        Profile.ExchangeChoice = Choice;
        _decided = true;
    }

    /// <summary>
    /// Collective (every rank lays out the same chunk count at the same step): maps the shared regions,
    /// one send slot per node of P floats per rank, when they are missing or too small; tried once if it fails.
    /// </summary>
    private void LayoutShared()
    {
        // Per rank: its node sums, then its block of updated weights when the update is split.
        _weightsAt = (long)_slots * Length;
        long need = Math.Max(1, _weightsAt + UpdateBlocks.Block(Length, _communicator.Size));
        if (_shared is not null && _shared.FloatsPerRank >= need) return;
        if (_sharedTried && _shared is null) return; // failed before on every rank: MPI moves the sums
        _shared?.Dispose();
        // One machine: a common area for the weights themselves (KeepWeightsShared), mapped while the
        // weights use it even if this file is replaced (the pages live as long as a mapping does).
        long common = _groups is { Count: 1 } && _communicator.Size > 1 ? Length : 0;
        _shared = SharedNodeSums.TryCreate(_communicator, _buckets.Count, need, _groups, common);
        _sharedTried = true;
        _sharedSince = _step;
        Profile.SharedMemory = _shared is not null;
    }

    /// <summary>Buffer <paramref name="buffer"/> of the plan (a send slot or a local scratch), elements [start, start + count).</summary>
    private Span<float> Region(int buffer, int start, int count)
    {
        if (buffer < _slots) return _send.AsSpan(buffer * Length + start, count);
        int d = buffer - _slots;
        while (_localScratch.Count <= d) _localScratch.Add(new float[Length]);
        return _localScratch[d].AsSpan(start, count);
    }

    private ReadOnlySpan<float> Zeros(int count)
    {
        if (_zeros is null || _zeros.Length < count) _zeros = new float[Math.Max(count, 1024)];
        return _zeros.AsSpan(0, count);
    }

    /// <summary>Starts the buckets whose gradients are all in (every bucket with <paramref name="all"/>), in index order, as every rank does.</summary>
    private void StartReadyBuckets(bool all)
    {
        long t0 = StepProfile.Now;
        bool any = false;
        // With the weights in place the last bucket waits for the end of backward (Finish): the other
        // ranks update the weights once every rank's last bucket is in, and backward reads the weights.
        while (_buckets.NextToStart < _buckets.Count && (all || (_buckets.IsComplete(_buckets.NextToStart) && !(_weights is not null && _buckets.NextToStart == _buckets.Count - 1))))
        {
            int b = _buckets.NextToStart;
            var (start, count) = _buckets.Range(b);
            if (!all)
            {
                Profile.BytesStartedEarly += (long)count * _slots * sizeof(float);
                if (_firstStart == 0) _firstStart = StepProfile.Now;
            }
            Profile.BytesExchanged += (long)count * _slots * sizeof(float);
            if (_scatter)
                for (int s = 0; s < _slots; s++)
                    fixed (float* send = _send)
                    fixed (float* receive = _receive)
                    fixed (int* counts = _sendCounts[b])
                    fixed (int* starts = _sliceStarts[b])
                    fixed (int* mineCounts = _mineCounts[b])
                    fixed (int* mineDispls = _mineDispls[b])
                        _buckets.Request(b, s) = _communicator.StartAlltoallv(send + (long)s * Length, counts, starts,
                            receive + _receiveBase[b] + (long)s * _communicator.Size * _sliceCounts[b][_communicator.Rank], mineCounts, mineDispls);
            else if (_shared is not null)
            {
                _shared.Publish(b, _step); // its node sums are in this rank's region
                if (_hosts) StartRemoteBlocks(b);
            }
            else if (_communicator.Size > 1)
                for (int s = 0; s < _slots; s++)
                    fixed (float* send = &_send[s * Length + start])
                    fixed (float* receive = &_receive[ReceiveBlock(b, s)])
                        _buckets.Request(b, s) = _communicator.StartAllgather(send, count, receive);
            _buckets.Started(b);
            any = true;
        }
        // Let MPI move the started buckets along (MPICH progresses only inside MPI calls).
        if (_communicator.Size > 1 && (_shared is null || _hosts))
            for (int b = 0; b < _buckets.NextToStart; b++)
                if (!_buckets.IsDone(b))
                {
                    bool done = true;
                    for (int s = 0; s < _slots; s++) done &= _communicator.Test(ref _buckets.Request(b, s));
                    if (done) _buckets.Done(b);
                }
        if (any || _communicator.Size > 1) Profile.Exchange += StepProfile.Now - t0;
    }

    private void WaitBucket(int b)
    {
        // Across machines Done says only that the MPI part has arrived (StartReadyBuckets tests it): this machine's flags are waited for here.
        if (_buckets.IsDone(b) && !_hosts) return;
        if (_shared is not null)
        {
            foreach (int r in _shared.Groups.Local)
                if (r != _communicator.Rank && _covers[r].Count > 0) _shared.WaitPublished(r, b, _step);
            if (_hosts && !_buckets.IsDone(b))
                for (int s = 0; s < _slots; s++) _communicator.Wait(ref _buckets.Request(b, s));
        }
        else if (_communicator.Size > 1)
            for (int s = 0; s < _slots; s++) _communicator.Wait(ref _buckets.Request(b, s));
        _buckets.Done(b);
    }

    /// <summary>Where bucket <paramref name="b"/>'s slot <paramref name="slot"/> of every rank arrives: W blocks of the bucket's length.</summary>
    private long ReceiveBlockLong(int b, int slot)
    {
        var (start, count) = _buckets.Range(b);
        return (long)_communicator.Size * ((long)_slots * start + (long)slot * count);
    }

    private int ReceiveBlock(int b, int slot) => checked((int)ReceiveBlockLong(b, slot));

    /// <summary>Rank <paramref name="rank"/>'s node in slot <paramref name="slot"/>, elements [start, start + count) of bucket <paramref name="b"/>.</summary>
    private ReadOnlySpan<float> Gathered(int rank, int slot, int b, int start, int count)
    {
        if (_shared is not null && _shared.Groups.IsLocal(rank)) return _shared.Region(rank, (long)slot * Length + start, count); // this machine's node sums, this rank's too
        if (_communicator.Size == 1 || rank == _communicator.Rank) return _send.AsSpan(slot * Length + start, count);
        if (_scatter || _hosts)
        {
            // This rank's slice of rank `rank`'s node: from its block of what this bucket's all-to-all brought in.
            int mine = _sliceCounts[b][_communicator.Rank];
            long at = _receiveBase[b] + ((long)slot * _communicator.Size + rank) * mine + (start - _sliceStarts[b][_communicator.Rank]);
            return _receive.AsSpan(checked((int)at), count);
        }
        var (bucketStart, bucketCount) = _buckets.Range(b);
        return _receive.AsSpan(ReceiveBlock(b, slot) + rank * bucketCount + (start - bucketStart), count);
    }

    /// <summary>
    /// Node [lo, hi), elements [start, start + count), from the gathered nodes: one of them, or its
    /// children's sum — into <paramref name="root"/> at the top, else into the scratch of its depth
    /// and side (two per depth, so a right child never overwrites its left sibling's sum).
    /// </summary>
    private ReadOnlySpan<float> SumGlobal(int lo, int hi, int depth, int side, int start, int count, int b, Span<float> root)
    {
        if (_where.TryGetValue((lo, hi), out var node)) return Gathered(node.Rank, node.Slot, b, start, count);
        int mid = ChunkTree.Split(lo, hi);
        var left = SumGlobal(lo, mid, depth + 1, 0, start, count, b, default);
        var right = SumGlobal(mid, hi, depth + 1, 1, start, count, b, default);
        Span<float> sum;
        if (depth == 0) sum = root;
        else
        {
            int index = 2 * depth + side;
            while (_globalScratch.Count <= index) _globalScratch.Add(new float[Length]);
            sum = _globalScratch[index].AsSpan(start, count);
        }
        TensorPrimitives.Add(left, right, sum);
        return sum;
    }
}
