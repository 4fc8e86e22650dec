using System.Runtime.InteropServices;

namespace DeepSharp.Distributed;

/// <summary>
/// The fast, non-deterministic reduction (as Horovod's tensor fusion and DDP's buckets): gradients
/// are copied into fusion buffers of about <c>bucketBytes</c>, and a bucket's in-place
/// <c>MPI_Iallreduce</c> starts as soon as its last gradient is in, while backward goes on. Buckets
/// take the tensors in reverse index order (the order backward finishes them, output layers
/// first); a tensor larger than a bucket gets one of its own. Buckets start in their index order on
/// every rank, as MPI requires of collectives; <see cref="Finish"/> starts what is left and waits for
/// every bucket. MPI chooses the order of each sum, so beyond two ranks the bits
/// may depend on the world size (and on the algorithm MPI picks for the message size).
/// </summary>
internal sealed unsafe class GradientBuckets : IDisposable
{
    private readonly Communicator _communicator;
    private readonly long[] _offset;     // per tensor: where it starts in the fused buffer
    private readonly int[] _bucketOf;    // per tensor: its bucket
    private readonly (long Start, int Count, int Members)[] _buckets;
    private readonly int[] _ready, _request;
    private readonly bool[] _started, _done, _written;
    private float* _buffer;
    private readonly long _length;
    private int _nextToStart; // buckets start in index order on every rank (MPI needs collectives in one order)

    /// <param name="communicator">The ranks.</param>
    /// <param name="sizes">Floats per tensor, by index.</param>
    /// <param name="bucketBytes">Bytes per bucket (at least one tensor each).</param>
    public GradientBuckets(Communicator communicator, IReadOnlyList<int> sizes, long bucketBytes)
    {
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "The bucket size must be positive.");
        _communicator = communicator;
        int n = sizes.Count;
        (_offset, _bucketOf, _written) = (new long[n], new int[n], new bool[n]);
        var buckets = new List<(long Start, int Count, int Members)>();
        long capacity = Math.Max(1, bucketBytes / sizeof(float)), position = 0, start = 0, count = 0;
        int members = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            if (members > 0 && count + sizes[i] > capacity)
            {
                buckets.Add((start, CheckedCount(count), members));
                (start, count, members) = (position, 0, 0);
            }
            _offset[i] = position;
            _bucketOf[i] = buckets.Count;
            position += sizes[i];
            count += sizes[i];
            members++;
        }
        if (members > 0) buckets.Add((start, CheckedCount(count), members));
        _buckets = [.. buckets];
        (_ready, _request, _started, _done) = (new int[_buckets.Length], new int[_buckets.Length], new bool[_buckets.Length], new bool[_buckets.Length]);
        _length = position;
        _buffer = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, _length) * sizeof(float), 64);
    }

    /// <summary>The number of buckets.</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>Tensor <paramref name="index"/>'s bucket.</summary>
    public int BucketOf(int index) => _bucketOf[index];

    /// <summary>Starts a step: no tensor is in yet.</summary>
    public void Begin()
    {
        Array.Clear(_ready);
        _nextToStart = 0;
        Array.Clear(_started);
        Array.Clear(_done);
        Array.Clear(_written);
    }

    /// <summary>Where tensor <paramref name="index"/>'s gradient goes before <see cref="Ready"/>, and where its sum is after <see cref="Finish"/>.</summary>
    public Span<float> Slot(int index, int size) => new(_buffer + _offset[index], size);

    /// <summary>Tensor <paramref name="index"/>'s gradient is in its slot; its bucket's sum starts when it is the bucket's last.</summary>
    public void Ready(int index)
    {
        if (_written[index]) throw new InvalidOperationException($"Gradient {index} was handed in twice in one step.");
        _written[index] = true;
        int b = _bucketOf[index];
        ++_ready[b];
        // Start every complete bucket whose predecessors have started: backward usually completes them
        // in this order, and a rank whose shard is empty (or whose graph finishes them otherwise) must
        // start its collectives in the same order as the others.
        while (_nextToStart < _buckets.Length && _ready[_nextToStart] == _buckets[_nextToStart].Members) Start(_nextToStart++);
        // Let MPI progress the sums already started (MPICH progresses only inside MPI calls).
        for (int k = 0; k < _buckets.Length; k++)
            if (_started[k] && !_done[k]) _done[k] = _communicator.Test(ref _request[k]);
    }

    /// <summary>
    /// Starts every bucket not yet started (tensors never handed in count as zeros) and waits for
    /// all; afterwards each slot holds the sum over the ranks.
    /// </summary>
    public void Finish(IReadOnlyList<int> sizes)
    {
        for (int i = 0; i < _written.Length; i++)
            if (!_written[i]) Slot(i, sizes[i]).Clear();
        while (_nextToStart < _buckets.Length) Start(_nextToStart++);
        for (int b = 0; b < _buckets.Length; b++)
            if (!_done[b])
            {
                _communicator.Wait(ref _request[b]);
                _done[b] = true;
            }
    }

    private void Start(int b)
    {
        _started[b] = true;
        _request[b] = _communicator.StartSum(_buffer + _buckets[b].Start, _buckets[b].Count);
    }

    private static int CheckedCount(long count) =>
        count <= int.MaxValue ? (int)count : throw new ArgumentOutOfRangeException(nameof(count), count, $"A bucket of {count} floats does not fit one MPI call.");

    public void Dispose()
    {
        if (_buffer is null) return;
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
    }
}
