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
