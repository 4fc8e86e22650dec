namespace DeepSharp.KernelCheck;

/// <summary>Runs code at a given <see cref="Threads.Count"/> and restores the previous count.</summary>
public static class ThreadCounts
{
    private static readonly object Gate = new();

    public static T With<T>(int threads, Func<T> run)
    {
        lock (Gate)
        {
            int saved = Threads.Count;
            Threads.Count = threads;
            try { return run(); }
            finally { Threads.Count = saved; }
        }
    }
}
