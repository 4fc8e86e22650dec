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

    public static Disposer Scope()
    {
        t_depth++;
        return new Disposer();
    }

    public readonly struct Disposer : IDisposable
    {
        public void Dispose() => t_depth--;
    }
}
