namespace DeepSharp.Tensors;

/// <summary>
/// The memory behind one or more tensors (views share it). CPU storage is a pooled managed array;
/// a GPU backend adds another subclass without touching layers.
/// </summary>
public abstract class TensorStorage
{
    public abstract DType DType { get; }
    public abstract int Length { get; }

    /// <summary>Gives the memory back to its pool; views of it must no longer be used.</summary>
    internal abstract void Release();
}

/// <summary>CPU storage: a managed array of <typeparamref name="T"/> from <see cref="BufferPool{T}"/>.</summary>
public sealed class CpuStorage<T> : TensorStorage where T : unmanaged
{
    private T[] _data;
    private readonly int _length;
    private readonly bool _pooled;

    /// <summary>Storage from the pool (when <paramref name="pooled"/>) or freshly allocated.</summary>
    internal CpuStorage(int length, bool clear, bool pooled)
    {
        _data = pooled ? BufferPool<T>.Rent(length, clear)
            : clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        _length = length;
        _pooled = pooled;
    }

    /// <summary>Wraps an array the caller hands over; it never goes to the pool.</summary>
    internal CpuStorage(T[] data)
    {
        _data = data;
        _length = data.Length;
    }

    public override DType DType => typeof(T) == typeof(float) ? DType.Float32 : DType.Int32;
    public override int Length => _length;

    internal T[] Array => _data.Length >= _length || _length == 0
        ? _data
        : throw new ObjectDisposedException(nameof(CpuStorage<T>), "This tensor's memory was returned to the pool (its scope ended).");

    public Span<T> Span => Array.AsSpan(0, _length);

    internal override void Release()
    {
        if (!_pooled || _length == 0) return;
        var data = _data;
        _data = [];
        BufferPool<T>.Return(data);
    }
}
