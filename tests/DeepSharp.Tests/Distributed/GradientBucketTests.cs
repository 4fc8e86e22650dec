using DeepSharp.Distributed;

namespace DeepSharp.Tests.Distributed;

/// <summary>The fast mode's fusion buffers: tensors in reverse order, a bucket per ~N bytes, a tensor larger than a bucket alone.</summary>
public sealed class GradientBucketTests
{
    [Fact]
    public void BucketsFillInReverseOrderAndABigTensorGetsItsOwn()
    {
        int[] sizes = [5, 3, 1000, 7, 2];
        using var buckets = new GradientBuckets(LocalCommunicator.Instance, sizes, bucketBytes: 40); // 10 floats
        Assert.Equal(3, buckets.BucketCount);
        Assert.Equal(0, buckets.BucketOf(4)); // 2 + 7 = 9 floats
        Assert.Equal(0, buckets.BucketOf(3));
        Assert.Equal(1, buckets.BucketOf(2)); // 1000 floats, alone
        Assert.Equal(2, buckets.BucketOf(1)); // 3 + 5
        Assert.Equal(2, buckets.BucketOf(0));
    }

    [Fact]
    public void BucketsStartInIndexOrderWhateverOrderTheyComplete()
    {
        int[] sizes = [4, 4, 4];
        var comm = new CountingCommunicator();
        using var buckets = new GradientBuckets(comm, sizes, bucketBytes: 16); // one tensor per bucket: bucket b holds tensor 2 − b
        buckets.Begin();
        buckets.Ready(0); // bucket 2 is complete first, but buckets 0 and 1 have not started
        Assert.Empty(comm.Started);
        buckets.Ready(2); // bucket 0
        Assert.Equal([0], comm.Started);
        buckets.Ready(1); // bucket 1, then the waiting bucket 2
        Assert.Equal([0, 1, 2], comm.Started);
        buckets.Finish(sizes);
        Assert.Equal([0, 1, 2], comm.Started);
    }

    /// <summary>One rank that records which bucket each started sum is (by its offset).</summary>
    private sealed unsafe class CountingCommunicator : Communicator
    {
        private float* _first;
        public List<int> Started { get; } = [];
        public override int Rank => 0;
        public override int Size => 1;
        public override void Allgather<T>(ReadOnlySpan<T> send, Span<T> receive) => send.CopyTo(receive);
        public override void Broadcast<T>(Span<T> buffer, int root) { }

        public override int StartSum(float* buffer, int count)
        {
            if (Started.Count == 0) _first = buffer;
            Started.Add((int)(buffer - _first) / 4);
            return 0;
        }

        public override bool Test(ref int request) => true;
        public override void Wait(ref int request) { }
        public override void Barrier() { }
        public override void Abort(int code) => throw new InvalidOperationException($"abort {code}");
    }

    [Fact]
    public void FinishLeavesWhatWasHandedInAndZerosForTheRest()
    {
        int[] sizes = [4, 6];
        using var buckets = new GradientBuckets(LocalCommunicator.Instance, sizes, bucketBytes: 16);
        buckets.Begin();
        buckets.Slot(1, 6).Fill(3f);
        buckets.Ready(1);
        buckets.Slot(0, 4).Fill(9f); // written but never handed in: a parameter the loss did not reach
        buckets.Finish(sizes);
        Assert.All(buckets.Slot(1, 6).ToArray(), v => Assert.Equal(3f, v));
        Assert.All(buckets.Slot(0, 4).ToArray(), v => Assert.Equal(0f, v));
        buckets.Begin();
        buckets.Ready(0);
        Assert.Throws<InvalidOperationException>(() => buckets.Ready(0));
    }
}
