namespace DeepSharp.Tensors;

/// <summary>
/// Returns temporaries to the buffer pool. Op outputs and intermediate gradients created while a
/// scope is active are registered with it; disposing the scope releases their memory, so a
/// training step after warm-up reuses buffers instead of allocating. Tensors created with the
/// public factories (parameters, optimizer state, user data) are never registered.
/// Use <see cref="Tensor.Scope"/>; do not keep a scoped tensor past the scope's end.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly TensorScope? _parent;
    private readonly List<TensorStorage> _storages = [];
    private bool _disposed;

    internal TensorScope()
    {
        _parent = t_current;
        t_current = this;
    }

    internal static TensorScope? Current => t_current;

    internal void Register(TensorStorage storage) => _storages.Add(storage);

    /// <summary>Keeps <paramref name="tensor"/>'s memory alive past this scope (moves it to the parent scope, if any).</summary>
    public Tensor Keep(Tensor tensor)
    {
        int index = _storages.IndexOf(tensor.Storage);
        if (index >= 0)
        {
            _storages.RemoveAt(index);
            _parent?.Register(tensor.Storage);
        }
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (t_current == this) t_current = _parent;
        foreach (var storage in _storages) storage.Release();
        _storages.Clear();
    }
}
