namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Around the time steps a recurrent layer runs passes that only move or add rows: its inputs put in
// (time, batch) order, its outputs put back in (batch, time) order, the [inputs | states] operand of
// the weight-gradient product laid side by side, the input gradient reordered and added. On one
// thread they cost the LSTM of bench (h) ~0.5 ms per call, and at two threads the other thread
// waited through them. Each row is copied or added by the same operations whichever thread runs
// its range, so the results are the same bits at any thread count.

/// <summary>
/// Runs a pass over rows 0 .. count − 1 as contiguous ranges spread over <see cref="WorkerPool.Shared"/>
/// (two per thread); inline when the pass is small or the pool has one thread.
/// </summary>
internal sealed class RowRanges : IParallelBody
{
    private readonly Action<int, int> _body;
    private readonly int _count, _ranges;

    private RowRanges(Action<int, int> body, int count, int ranges) => (_body, _count, _ranges) = (body, count, ranges);

    /// <summary>
    /// Calls <paramref name="body"/>(first, count) over ranges that cover rows 0 .. <paramref name="count"/> − 1
    /// once each; <paramref name="elements"/> (the floats the pass touches) decides whether it is worth
    /// waking the pool (<see cref="WorkerPool.InlineWork"/>).
    /// </summary>
    public static void For(int count, long elements, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        int threads = WorkerPool.Shared.ThreadCount;
        if (threads == 1 || count == 1 || elements < WorkerPool.InlineWork)
        {
            body(0, count);
            return;
        }
        int ranges = Math.Min(count, 2 * threads);
        WorkerPool.Shared.For(ranges, new RowRanges(body, count, ranges));
    }

    /// <inheritdoc />
    public void Execute(int index)
    {
        int first = (int)((long)index * _count / _ranges), last = (int)((long)(index + 1) * _count / _ranges);
        if (last > first) _body(first, last - first);
    }
}
