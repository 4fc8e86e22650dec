namespace DeepSharp.Distributed;

/// <summary>
/// How the deterministic reduction's node sums travel: contiguous ranges of the flat gradient of at
/// most <c>bucketBytes</c>, formed from the last tensor backwards (the order backward finishes them,
/// output layers first); a tensor larger than a bucket is split over several. A bucket is complete
/// when every tensor it touches is final in the rank's last chunk; buckets start in index order on
/// every rank, as MPI requires of collectives.
/// </summary>
internal sealed class ExchangeBuckets
{
    private readonly (int Start, int Count)[] _range;
    private readonly List<(int Tensor, int Start, int Count)>[] _segments;
    private readonly List<int>[] _bucketsOf;  // per tensor: the buckets it touches
    private readonly int[] _ready;
    private readonly bool[] _done;
    private int[] _requests = [];

    /// <param name="offset">Where each tensor starts in the flat gradient.</param>
    /// <param name="size">Floats per tensor.</param>
    /// <param name="bucketBytes">Bytes per bucket (positive).</param>
    public ExchangeBuckets(IReadOnlyList<int> offset, IReadOnlyList<int> size, long bucketBytes)
    {
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "The bucket size must be positive.");
        long capacity = Math.Max(1, bucketBytes / sizeof(float));
        var ranges = new List<(int Start, int Count)>();
        var segments = new List<List<(int, int, int)>>();
        _bucketsOf = new List<int>[size.Count];
        int end = -1, count = 0; // the open bucket: [end − count, end)
        for (int i = size.Count - 1; i >= 0; i--)
        {
            _bucketsOf[i] = [];
            int remaining = size[i], top = offset[i] + size[i];
            while (remaining > 0)
            {
                if (count > 0 && count + Math.Min(remaining, capacity) > capacity) Close();
                if (count == 0)
                {
                    end = top;
                    segments.Add([]);
                }
                int take = (int)Math.Min(remaining, capacity - count);
                count += take;
                top -= take;
                remaining -= take;
                segments[^1].Insert(0, (i, top, take));
                _bucketsOf[i].Add(segments.Count - 1);
                if (count == capacity) Close();
            }
        }
        if (count > 0) Close();
        _range = [.. ranges];
        _segments = [.. segments];
        _ready = new int[_range.Length];
        _done = new bool[_range.Length];

        void Close()
        {
            ranges.Add((end - count, count));
            count = 0;
        }
    }

    /// <summary>The number of buckets.</summary>
    public int Count => _range.Length;

    /// <summary>Bucket <paramref name="b"/>'s range of the flat gradient.</summary>
    public (int Start, int Count) Range(int b) => _range[b];

    /// <summary>Bucket <paramref name="b"/>'s pieces of tensors (tensor, flat start, count), in flat order.</summary>
    public IReadOnlyList<(int Tensor, int Start, int Count)> Segments(int b) => _segments[b];

    /// <summary>The next bucket to start (all before it have started).</summary>
    public int NextToStart { get; private set; }

    public void BeginStep()
    {
        Array.Clear(_ready);
        Array.Clear(_done);
        NextToStart = 0;
    }

    /// <summary>Tensor <paramref name="tensor"/> is final: its buckets have one piece more.</summary>
    public void TensorDone(int tensor)
    {
        foreach (int b in _bucketsOf[tensor]) _ready[b]++;
    }

    public bool IsComplete(int b) => _ready[b] == _segments[b].Count;

    public void Started(int b) => NextToStart = b + 1;

    public bool IsDone(int b) => _done[b];

    public void Done(int b) => _done[b] = true;

    /// <summary>Sizes the requests for <paramref name="slots"/> node sums per rank (each bucket sends one range of each).</summary>
    public void SetSlots(int slots)
    {
        _slots = slots;
        _requests = new int[_range.Length * Math.Max(1, slots)];
    }

    private int _slots = 1;

    /// <summary>The MPI request of bucket <paramref name="b"/>'s slot <paramref name="slot"/>.</summary>
    public ref int Request(int b, int slot) => ref _requests[b * _slots + slot];
}
