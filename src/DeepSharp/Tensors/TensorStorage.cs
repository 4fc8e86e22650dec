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
/// throws; reopened, it serves a prefix of the same array to its next tensor.
/// </summary>
public sealed class CpuStorage<T> : TensorStorage where T : unmanaged
{
    private readonly T[] _data;
    private int _length;
    private bool _closed;
    private int _version;

    /// <summary>A fresh array of <paramref name="length"/> elements (at least <paramref name="capacity"/>), zeroed if asked.</summary>
    internal CpuStorage(int length, bool clear, int capacity = 0)
    {
        int size = Math.Max(length, capacity);
        _data = size == 0 ? [] : clear ? new T[size] : GC.AllocateUninitializedArray<T>(size);
        _length = length;
    }

    /// <summary>Wraps an array the caller hands over.</summary>
    internal CpuStorage(T[] data)
    {
        _data = data;
        _length = data.Length;
    }

    /// <inheritdoc/>
    public override DType DType => typeof(T) == typeof(float) ? DType.Float32 : DType.Int32;
    /// <inheritdoc/>
    public override int Length => _length;

    /// <summary>Elements the array can hold (pooled storage is reopened for any length up to this).</summary>
    internal int Capacity => _data.Length;

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
    public Span<T> Span => Array.AsSpan(0, _length);

    /// <summary>Closes the storage while it sits in the pool.</summary>
    internal void Close() => _closed = true;

    /// <summary>Reopens pooled storage for <paramref name="length"/> elements, zeroed if asked.</summary>
    internal void Reopen(int length, bool clear)
    {
        _length = length;
        _closed = false;
        if (clear) System.Array.Clear(_data, 0, length);
    }
}
