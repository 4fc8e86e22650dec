namespace DeepSharp.Tensors;

/// <summary>
/// Returns temporaries to the pool. Op outputs and intermediate gradients created while a scope is
/// active are registered with it; disposing the scope gives their tensor objects and memory back to
/// <see cref="TempPool"/>, so a training step after warm-up reuses them instead of allocating.
/// Tensors created with the public factories (parameters, optimizer state, user data) are never
/// registered. Use <see cref="Tensor.Scope"/>; do not keep a scoped tensor past the scope's end
/// (use <see cref="Keep"/>): its object and memory serve later temporaries.
/// </summary>
/// <remarks>A handle: disposing it twice, or a copy of it, closes its scope once.</remarks>
public readonly struct TensorScope : IDisposable
{
    private readonly ScopeFrame? _frame;
    private readonly int _generation;

    internal TensorScope(ScopeFrame frame) => (_frame, _generation) = (frame, frame.Generation);

    /// <summary>Keeps <paramref name="tensor"/> alive past this scope (moves it to the enclosing scope, if any).</summary>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_frame is null || _frame.Generation != _generation)
            throw new ObjectDisposedException(nameof(TensorScope), "Keep() on a scope that has ended.");
        _frame.Keep(tensor);
        return tensor;
    }

    /// <summary>Ends the scope: its temporaries go back to the pool and must no longer be used. Later calls do nothing.</summary>
    public void Dispose()
    {
        if (_frame is not null && _frame.Generation == _generation) _frame.Close();
    }
}
