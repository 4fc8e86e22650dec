namespace DeepSharp.Tensors;

/// <summary>
/// One open <see cref="TensorScope"/> on a thread: the temporaries registered with it and the
/// enclosing frame. Frames are reused (per thread) so opening a scope allocates nothing; the
/// generation tells a stale <see cref="TensorScope"/> handle that its frame moved on.
/// </summary>
internal sealed class ScopeFrame
{
    private const int MaxFree = 16;

    [ThreadStatic] private static ScopeFrame? t_current;
    [ThreadStatic] private static Stack<ScopeFrame>? t_free;

    private readonly List<Tensor> _tensors = [];
    private ScopeFrame? _parent;

    public int Generation { get; private set; }

    public static ScopeFrame? Current => t_current;

    public static TensorScope Open()
    {
        var frame = t_free is { Count: > 0 } free ? free.Pop() : new ScopeFrame();
        frame._parent = t_current;
        t_current = frame;
        return new TensorScope(frame);
    }

    public void Register(Tensor tensor) => _tensors.Add(tensor);

    /// <summary>Moves <paramref name="tensor"/> (and, for a view, the temporary owning its memory) to the parent frame.</summary>
    public void Keep(Tensor tensor)
    {
        for (int i = _tensors.Count - 1; i >= 0; i--)
        {
            var t = _tensors[i];
            bool owner = t.Kind == TensorKind.PooledOwner && ReferenceEquals(t.Storage, tensor.Storage);
            if (!ReferenceEquals(t, tensor) && !owner) continue;
            _tensors.RemoveAt(i);
            if (_parent is not null) _parent.Register(t);
            else t.Unpool();
        }
    }

    public void Close()
    {
        Generation++;
        if (t_current == this) t_current = _parent;
        else
        {
            // Closed out of order: unlink this frame from the chain of the frames still open.
            for (var f = t_current; f is not null; f = f._parent)
                if (f._parent == this) { f._parent = _parent; break; }
        }
        _parent = null;
        foreach (var tensor in _tensors) TempPool.Return(tensor);
        _tensors.Clear();
        t_free ??= new Stack<ScopeFrame>();
        if (t_free.Count < MaxFree) t_free.Push(this);
    }
}
