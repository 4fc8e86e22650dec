namespace DeepSharp.Autograd;

/// <summary>
/// Turns graph recording off for the current thread (torch.no_grad): ops still compute, but record
/// no backward rules. <c>using (NoGrad.Scope()) { ... }</c>.
/// </summary>
public static class NoGrad
{
    [ThreadStatic] private static int t_depth;

    /// <summary>True while inside at least one NoGrad scope on this thread.</summary>
    public static bool IsActive => t_depth > 0;

    /// <summary>
    /// Enters a no-grad scope on this thread until the returned value is disposed. Scopes nest; tensors
    /// made inside have no graph history, so use it for inference and for editing weights in place.
    /// </summary>
    public static Disposer Scope()
    {
        t_depth++;
        return new Disposer();
    }

    /// <summary>Ends the scope that <see cref="Scope"/> opened; a struct so that <c>using</c> allocates nothing.</summary>
    public readonly struct Disposer : IDisposable
    {
        /// <summary>Leaves the scope; dispose each one once, on the thread that opened it.</summary>
        public void Dispose() => t_depth--;
    }
}
