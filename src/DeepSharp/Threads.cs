using DeepSharp.Kernels.Cpu;

namespace DeepSharp;

/// <summary>
/// How many threads DeepSharp's CPU kernels use (like <c>torch.set_num_threads</c>).
/// Defaults to the processor count; results are identical for a given count.
/// </summary>
public static class Threads
{
    /// <summary>Threads used by kernels, including the calling thread. At least 1.</summary>
    public static int Count
    {
        get => WorkerPool.Shared.ThreadCount;
        set => WorkerPool.Shared.ThreadCount = value;
    }
}
