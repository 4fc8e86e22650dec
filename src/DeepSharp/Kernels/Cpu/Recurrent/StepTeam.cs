using System.Diagnostics;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A recurrent sequence is a chain of steps, each step cut into the same fixed slices; a slice of
// step s may start once every slice of step s − 1 is done. Forking the worker pool once per step
// costs a wake-up and a join per step (128 of them for one LSTM call of 64 steps), and the pool's
// items are claimed by whoever comes first, so a slice (and its part of the weights) wanders from
// core to core. The team instead starts once per sequence (one pool item per member, the caller
// being one of them) and its members meet at a barrier between steps:
// - Member m owns slice m: it runs that slice at every step, so that slice's weights stay in its
//   core's L2 from one step to the next.
// - A member that has done its own slice of step s tries to claim the others of that step before it
//   waits. A slice is claimed by a compare-and-swap on its count of claimed steps, so each slice of
//   each step runs exactly once. A member only finds a slice of its own step unclaimed when its owner
//   has not come yet (still waking, descheduled, or never: the pool runs items inline when it is
//   busy or nested), so the team never waits for a thread that is not running, and one thread alone
//   completes the sequence.
// - The barrier is one count of completed slices. A waiter spins for SpinTicks, then blocks on a
//   monitor (a count of sleepers tells the completing member whether to pulse), so an oversubscribed
//   machine does not lose a core to a spinning thread whose partner is descheduled.
// Which thread runs a slice never changes what the slice computes: results are the same bits for any
// number of members and any stealing.

/// <summary>One step's slice of a sequence run by a <see cref="StepTeam"/>.</summary>
internal interface IStepSliceBody
{
    /// <summary>Runs slice <paramref name="slice"/> of step <paramref name="step"/> (every slice of the step before is done).</summary>
    void RunSlice(int step, int slice);
}

/// <summary>
/// Runs <c>steps</c> × <c>slices</c> work items in step order over a team started once on
/// <see cref="WorkerPool.Shared"/>: one member per slice, owning it, with a barrier between steps.
/// </summary>
internal sealed class StepTeam : IParallelBody
{
    /// <summary>How long a member spins at the barrier before it blocks: 50 µs, about two LSTM steps of the bench's shape.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly object _gate = new();
    private IStepSliceBody? _body;
    private int _steps, _slices;
    private int[] _claimed = [];     // per slice: how many of its steps have been claimed
    private long _completed;         // slices completed, over all steps
    private int _sleepers;
    private volatile bool _failed;

    /// <summary>
    /// Runs every slice of every step, step by step: slice k of step s after all slices of step
    /// s − 1. Uses one thread per slice at most (fewer when the pool has fewer or is busy).
    /// </summary>
    public void Run(int steps, int slices, IStepSliceBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (steps < 0 || slices < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), $"A step team needs steps ≥ 0 and slices ≥ 1; got steps={steps}, slices={slices}.");
        if (steps == 0) return;
        if (slices == 1 || WorkerPool.Shared.ThreadCount == 1)
        {
            for (int s = 0; s < steps; s++)
                for (int k = 0; k < slices; k++) body.RunSlice(s, k);
            return;
        }
        if (_claimed.Length != slices) _claimed = new int[slices];
        else Array.Clear(_claimed);
        _body = body;
        _steps = steps;
        _slices = slices;
        _completed = 0;
        _sleepers = 0;
        _failed = false;
        try { WorkerPool.Shared.For(slices, this); }
        finally { _body = null; }
    }

    /// <summary>Member <paramref name="index"/>: owns slice <paramref name="index"/>.</summary>
    public void Execute(int index)
    {
        try
        {
            for (int s = 0; s < _steps; s++)
            {
                if (!WaitForStep(s)) return;
                TryRun(index, s);
                for (int k = 1; k < _slices; k++) TryRun((index + k) % _slices, s);
            }
        }
        catch
        {
            _failed = true;
            Wake();
            throw;
        }
    }

    private void TryRun(int slice, int step)
    {
        if (Volatile.Read(ref _claimed[slice]) != step || Interlocked.CompareExchange(ref _claimed[slice], step + 1, step) != step) return;
        _body!.RunSlice(step, slice);
        Interlocked.Increment(ref _completed);
        if (Volatile.Read(ref _sleepers) > 0) Wake();
    }

    /// <summary>Waits until every slice of the steps before <paramref name="step"/> is done; false when another member failed.</summary>
    private bool WaitForStep(int step)
    {
        long target = (long)step * _slices;
        if (Volatile.Read(ref _completed) >= target) return !_failed;
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _completed) < target)
        {
            if (_failed) return false;
            if (Stopwatch.GetTimestamp() > until)
            {
                Block(target);
                break;
            }
            Thread.SpinWait(8);
        }
        return !_failed;
    }

    private void Block(long target)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _sleepers);
            while (Interlocked.Read(ref _completed) < target && !_failed) Monitor.Wait(_gate, 1); // the timeout only guards against a lost pulse
            Interlocked.Decrement(ref _sleepers);
        }
    }

    private void Wake()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }
}
