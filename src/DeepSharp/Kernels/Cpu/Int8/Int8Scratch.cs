using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Per-thread pinned buffers for the int8 kernels (bytes, int16, int32 and float tiles), grown to the
/// largest size a thread asked for and kept; contents are undefined on return.
/// </summary>
internal static unsafe class Int8Scratch
{
    public const int PackedA = 0, Im2Col = 1, Accumulators = 2, QuantizedInput = 3, PooledSums = 4, ChainA = 5, ChainB = 6, ConvOutput = 7, PaddedImage = 8, Offsets = 9,
        WinogradInput = 10, WinogradProducts = 11, Slots = 12;

    public static byte* Bytes(int slot, long length) => Buffers<byte>.Get(slot, length);
    public static short* Shorts(int slot, long length) => Buffers<short>.Get(slot, length);
    public static int* Ints(int slot, long length) => Buffers<int>.Get(slot, length);
    public static float* Floats(int slot, long length) => Buffers<float>.Get(slot, length);

    private static class Buffers<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]?[]? t_buffers;

        public static T* Get(int slot, long length)
        {
            if ((ulong)length > (ulong)Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(length), length, $"An int8 kernel asked for {length} scratch elements; at most {Array.MaxLength} fit in one buffer.");
            var buffers = t_buffers ??= new T[]?[Slots];
            ref var buffer = ref buffers[slot];
            if (buffer is null || buffer.Length < length)
                buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, Math.Max(64L, length * 5 / 4)), pinned: true);
            return (T*)Unsafe.AsPointer(ref buffer[0]);
        }
    }
}
