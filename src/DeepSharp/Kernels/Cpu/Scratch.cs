using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Per-thread pinned scratch buffers for kernels, by slot. A buffer grows to the largest size
/// a thread has asked for and is kept for the thread's lifetime (the pool's workers are
/// persistent), so a kernel call allocates nothing once warm. Contents are undefined on return.
/// Every buffer starts on a 64-byte boundary (one cache line, one 512-bit vector).
/// </summary>
/// <remarks>
/// Slots keep buffers that are alive at the same time apart: a kernel that packs weights on the
/// calling thread (slot <see cref="Packed"/>) and then runs tiles on the same thread must use
/// other slots for the tiles.
/// </remarks>
internal static unsafe class Scratch
{
    public const int Packed = 0, PackedBias = 1, TileA = 2, TileB = 3, TileC = 4, Slots = 5;

    /// <summary>
    /// A buffer of at least <paramref name="length"/> elements. Lengths are longs so that callers
    /// compute them without 32-bit wrap-around; one that no array can hold throws (in every build),
    /// rather than returning a smaller buffer than asked for.
    /// </summary>
    public static float* Floats(int slot, long length) => Buffers<float>.Get(slot, length);
    public static double* Doubles(int slot, long length) => Buffers<double>.Get(slot, length);
    public static int* Ints(int slot, long length) => Buffers<int>.Get(slot, length);

    private static class Buffers<T> where T : unmanaged
    {
        // Every buffer starts on a 64-byte cache line: the GC places a pinned array's data on an
        // 8- or 16-byte boundary only, so a kernel's 512-bit rows would straddle two lines or not
        // depending on where the array landed (the seed layer's forward time varied 1.8× between runs).
        private const int Alignment = 64;
        private static readonly int AlignElements = Alignment / Unsafe.SizeOf<T>();

        [ThreadStatic] private static T[]?[]? t_buffers;

        public static T* Get(int slot, long length)
        {
            if ((ulong)length > (ulong)(Array.MaxLength - AlignElements))
                throw new ArgumentOutOfRangeException(nameof(length), length, $"A kernel asked for {length} scratch elements; at most {Array.MaxLength - AlignElements} fit in one buffer.");
            var buffers = t_buffers ??= new T[]?[Slots];
            ref var buffer = ref buffers[slot];
            if (buffer is null || buffer.Length < length + AlignElements)
                buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, Math.Max(64L, (long)length * 5 / 4) + AlignElements), pinned: true);
            nuint start = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (T*)((start + (Alignment - 1)) & ~(nuint)(Alignment - 1));
        }
    }
}
