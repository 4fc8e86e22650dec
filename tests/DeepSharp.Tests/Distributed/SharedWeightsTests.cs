using DeepSharp.Distributed;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// <see cref="SharedWeights"/>: two arrays mapped onto one shared file's common area see each other's
/// writes (as two ranks' weights do), and one given back its private memory keeps its values and no
/// longer shares them; the garbage collector runs over both without harm.
/// </summary>
public sealed class SharedWeightsTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(5_000)]
    [InlineData(300_001)]
    public void TwoArraysOverOneFileShareTheirValuesUntilOneIsGivenBack(int length)
    {
        using var file = SharedNodeSums.TryCreate(LocalCommunicator.Instance, buckets: 1, floatsPerRank: 16, commonFloats: length);
        Assert.NotNull(file);
        Assert.Null(SharedWeights.TryCreate(file, length + 1)); // more than the area holds
        using var a = SharedWeights.TryCreate(file, length);
        var b = SharedWeights.TryCreate(file, length);
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Equal(length, a.Length);
        Assert.InRange(a.Start + a.Length, 1, a.Array.Length);
        for (int i = 0; i < length; i += Math.Max(1, length / 97)) a.Array[a.Start + i] = i + 0.5f;
        a.Array[a.Start + length - 1] = -3f;
        b.Array[b.Start] = 7f;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(7f, a.Array[a.Start]);
        Assert.Equal(-3f, b.Array[b.Start + length - 1]);
        Assert.True(a.Values.SequenceEqual(b.Values));

        b.Dispose();
        Assert.Equal(7f, b.Array[b.Start]); // its values kept
        Assert.Equal(-3f, b.Array[b.Start + length - 1]);
        b.Array[b.Start] = 9f; // private again: the file and the other array keep theirs
        a.Array[a.Start + length - 1] = 4f;
        Assert.Equal(7f, a.Array[a.Start]);
        Assert.Equal(-3f, b.Array[b.Start + length - 1]);
        b.Dispose(); // twice is harmless
        GC.Collect();
    }
}
