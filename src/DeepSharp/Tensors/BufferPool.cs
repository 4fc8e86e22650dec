using System.Collections.Concurrent;
using System.Numerics;

namespace DeepSharp.Tensors;

/// <summary>
/// Size-bucketed pool of managed arrays for tensor storage. Buckets are powers of two (at least 16
/// elements); an array rented for n elements has the bucket's length and the tensor uses a prefix.
/// Arrays come back through <see cref="Return"/> (tensor scopes do this); arrays that are never
/// returned are simply collected by the GC.
/// </summary>
internal static class BufferPool<T> where T : unmanaged
{
    private const int MinBucketShift = 4;
    private const int MaxPooledPerBucket = 64;
    private static readonly ConcurrentBag<T[]>[] s_buckets = CreateBuckets();

    private static ConcurrentBag<T[]>[] CreateBuckets()
    {
        var buckets = new ConcurrentBag<T[]>[32];
        for (int i = 0; i < buckets.Length; i++) buckets[i] = new ConcurrentBag<T[]>();
        return buckets;
    }

    private static int BucketOf(int length) =>
        length <= 1 << MinBucketShift ? MinBucketShift : 32 - BitOperations.LeadingZeroCount((uint)(length - 1));

    /// <summary>An array of at least <paramref name="length"/> elements, zeroed if asked.</summary>
    public static T[] Rent(int length, bool clear)
    {
        if (length == 0) return [];
        int bucket = BucketOf(length);
        if (bucket >= 31) return GC.AllocateUninitializedArray<T>(length);
        if (s_buckets[bucket].TryTake(out var array))
        {
            if (clear) Array.Clear(array, 0, length);
            return array;
        }
        return clear ? new T[1 << bucket] : GC.AllocateUninitializedArray<T>(1 << bucket);
    }

    public static void Return(T[] array)
    {
        if (array.Length == 0 || !BitOperations.IsPow2(array.Length)) return;
        int bucket = BitOperations.Log2((uint)array.Length);
        if (bucket < MinBucketShift || bucket >= 31) return;
        var bag = s_buckets[bucket];
        if (bag.Count < MaxPooledPerBucket) bag.Add(array);
    }
}
