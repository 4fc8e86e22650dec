namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One parallel loop body. Kernels keep an instance per call site (or a struct wrapper in a cached
/// object) so that a parallel loop allocates nothing.
/// </summary>
internal interface IParallelBody
{
    /// <summary>Runs work item <paramref name="index"/> (0 ≤ index &lt; count).</summary>
    void Execute(int index);
}
