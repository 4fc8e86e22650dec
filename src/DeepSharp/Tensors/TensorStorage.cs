using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp.Tensors;

/// <summary>
/// The memory behind one or more tensors (views share it). CPU storage is a managed array;
/// a GPU backend adds another subclass without touching layers.
/// </summary>
public abstract class TensorStorage
{
    /// <summary>Element type of the memory.</summary>
    public abstract DType DType { get; }
    /// <summary>Number of elements, shared by every view of this storage.</summary>
    public abstract int Length { get; }
}

/// <summary>
/// CPU storage: a managed array of <typeparamref name="T"/>. Scoped temporaries keep theirs with
/// their tensor object in <see cref="TempPool"/>: while pooled the storage is closed and any access
/// throws; reopened, it serves a prefix of the same array to its next tensor. Arrays of
/// <see cref="AlignedBytes"/> and more are pinned (the pinned object heap never moves them) and
/// padded by up to 64 bytes so that the elements start on a 64-byte cache line: no 512-bit load or
/// store of a row that starts there straddles two lines.
/// </summary>
public sealed class CpuStorage<T> : TensorStorage where T : unmanaged
{
    /// <summary>
    /// Arrays of this many bytes and more start their elements on a 64-byte line: the runtime's
    /// large-object threshold, so the arrays moved to the pinned heap are those that were collected
    /// only with generation 2 already (smaller ones stay in the young generations).
    /// </summary>
    internal const int AlignedBytes = 85_000;

    private const int LineBytes = 64;

    /// <summary>
    /// Diagnostic switch for the A/B measurement: DEEPSHARP_ALIGN_TENSORS=0 turns the aligned start
    /// off (plain unpinned arrays, elements from index 0), read once per process.
    /// </summary>
    internal static readonly bool AlignLarge = Environment.GetEnvironmentVariable("DEEPSHARP_ALIGN_TENSORS") != "0";

    private readonly T[] _data;
    private readonly int _start, _capacity;
    private int _length;
    private bool _closed;
    private int _version;

    /// <summary>A fresh array of <paramref name="length"/> elements (at least <paramref name="capacity"/>), zeroed if asked.</summary>
    internal CpuStorage(int length, bool clear, int capacity = 0)
    {
        int size = Math.Max(length, capacity);
        _length = length;
        _capacity = size;
        int elementBytes = Unsafe.SizeOf<T>();
        int pad = LineBytes / elementBytes;
        if (!AlignLarge || (long)size * elementBytes < AlignedBytes || size > System.Array.MaxLength - pad)
        {
            _data = size == 0 ? [] : clear ? new T[size] : GC.AllocateUninitializedArray<T>(size);
            return;
        }
        // Pinned, so the start computed here stays a 64-byte line for the array's lifetime (a large
        // unpinned array could move when the large object heap is compacted on request).
        _data = clear ? GC.AllocateArray<T>(size + pad, pinned: true) : GC.AllocateUninitializedArray<T>(size + pad, pinned: true);
        _start = StartOnLine(_data);
    }

    /// <summary>The first index of a pinned array whose address is a multiple of 64 bytes.</summary>
    private static unsafe int StartOnLine(T[] pinned)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        int offBytes = (int)(address & (LineBytes - 1));
        int padBytes = (LineBytes - offBytes) & (LineBytes - 1);
        return padBytes % Unsafe.SizeOf<T>() == 0 ? padBytes / Unsafe.SizeOf<T>() : 0;
    }

    /// <summary>Wraps an array the caller hands over.</summary>
    internal CpuStorage(T[] data)
    {
        _data = data;
        _length = _capacity = data.Length;
    }

    /// <inheritdoc/>
    public override DType DType => typeof(T) == typeof(float) ? DType.Float32 : DType.Int32;
    /// <inheritdoc/>
    public override int Length => _length;

    /// <summary>Elements the array can hold (pooled storage is reopened for any length up to this).</summary>
    internal int Capacity => _capacity;

    /// <summary>Index of the first element in the array (nonzero only for a padded, aligned array).</summary>
    internal int Start => _start;

    internal T[] Array => !_closed
        ? Touched()
        : throw new ObjectDisposedException(nameof(CpuStorage<T>), "This tensor's memory was returned to the pool (its scope ended).");

    /// <summary>
    /// Counts every hand-out of the array (each <see cref="Span"/>, and so each <see cref="Tensor.Span"/>):
    /// whatever writes the elements goes through one, so a value derived from the elements while this
    /// stayed the same (an inference cache of packed or folded weights) is still current. Reads count too,
    /// which only makes such a cache rebuild more often than it must, never serve stale values.
    /// </summary>
    internal int Version => Volatile.Read(ref _version);

    private T[] Touched()
    {
        _version++;
        return _data;
    }

    /// <summary>All <see cref="Length"/> elements, across every view of this storage (a tensor's own elements are <see cref="Tensor.Span"/>).</summary>
    /// <exception cref="ObjectDisposedException">The storage belongs to a temporary whose scope has ended.</exception>
    public Span<T> Span => Array.AsSpan(_start, _length);

    /// <summary>
    /// All <see cref="Length"/> elements to read, without counting a hand-out in <see cref="Version"/>: for
    /// internal readers of a weight that an inference cache is stamped on (a read must not make the cache
    /// rebuild). Nothing may write through it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The storage belongs to a temporary whose scope has ended.</exception>
    internal ReadOnlySpan<T> ReadOnlySpan => !_closed
        ? _data.AsSpan(_start, _length)
        : throw new ObjectDisposedException(nameof(CpuStorage<T>), "This tensor's memory was returned to the pool (its scope ended).");

    /// <summary>Closes the storage while it sits in the pool.</summary>
    internal void Close() => _closed = true;

    /// <summary>Reopens pooled storage for <paramref name="length"/> elements, zeroed if asked.</summary>
    internal void Reopen(int length, bool clear)
    {
        _length = length;
        _closed = false;
        if (clear) System.Array.Clear(_data, _start, length);
    }
}
