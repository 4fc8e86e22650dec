using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

// Implementation notes
// --------------------
// A batch-1 int8 Predict is ~10 µs of work in a few layers; a fork and join of the worker pool per
// layer costs microseconds each, and the pool's join waits for its worker even when that worker was
// never scheduled (a loaded machine: the caller then waits a scheduler slice for a thread that has
// nothing to do). The team therefore:
// - collects the layers' work items first (stages; each item writes its own bytes), then publishes
//   them as one job to helper threads of its own that spin briefly between jobs, so back-to-back
//   calls start at once, and block after SpinTicks;
// - spins on `pause` alone for the first HotTicks (20 µs) of any wait, between jobs or at a stage's
//   barrier, and only then yields as well: a system call per check (the first team's Thread.Yield
//   and SpinWait) put ~0.3–0.5 µs on every hand-off of a quiet machine, where a helper arrived
//   ~0.5 µs after the caller had published a job (measured at batch 1, convnet);
// - cuts every stage into one slice per thread; thread m runs slice m of each stage, then claims
//   (compare-and-swap) any slice of that stage not yet claimed, and waits for the stage to complete
//   before the next (a count of completed slices);
// - lets the caller return as soon as every slice is complete: it waits only for slices a helper is
//   running, never for a helper to arrive. A helper that comes late finds every slice claimed and
//   goes back to waiting; a job's slices are claimed once, so a late helper never runs one again.
// Which thread runs a slice never changes what it computes: the results are the same bits on any
// number of threads, including one.

/// <summary>
/// A small batch through a chain of int8 layers on several threads at once: the layers' work items
/// are collected as stages (<see cref="Add"/>), then <see cref="Run"/> runs them in order, each
/// stage's items cut into one contiguous slice per thread (items t·count/threads up to
/// (t + 1)·count/threads), with a barrier between stages and no fork or join per layer.
/// </summary>
/// <remarks>
/// The stages hold pointers into buffers that must stay where they are until <see cref="Run"/>
/// returns. One team per calling thread; the helper threads are shared, and a second caller that finds
/// them busy runs its stages on its own thread.
/// </remarks>
internal sealed class Int8Team
{
    [ThreadStatic] private static Int8Team? t_team;

    private readonly List<(int Count, IParallelBody Body)> _stages = [];
    private int _threads = 1;
    private bool _running;

    /// <summary>This thread's team, emptied, for <paramref name="threads"/> threads (≥ 1).</summary>
    /// <exception cref="InvalidOperationException">The team is running (a stage started another chain on this thread).</exception>
    public static Int8Team Begin(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var team = t_team ??= new Int8Team();
        if (team._running) throw new InvalidOperationException("An int8 team stage started another int8 chain on the same thread.");
        team._stages.Clear();
        team._threads = threads;
        return team;
    }

    /// <summary>The threads the stages are shared by (parts per image are chosen from it).</summary>
    public int Threads => _threads;

    /// <summary>A stage of <paramref name="count"/> items, run after every stage added before it.</summary>
    public void Add(int count, IParallelBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count > 0) _stages.Add((count, body));
    }

    /// <summary>Runs the stages in order, then forgets them.</summary>
    /// <exception cref="AggregateException">A stage's item threw (the stages after it do not run).</exception>
    public void Run()
    {
        _running = true;
        try
        {
            var job = new Job([.. _stages], _threads);
            if (_threads == 1 || !Helpers.TryStart(job))
                job.Work(0); // member 0 claims every slice in turn
            else
            {
                job.Work(0);
                job.WaitUntilDone();
                Helpers.Finish();
            }
            if (job.Error is { } e) throw new AggregateException("An int8 team stage failed.", e);
        }
        finally
        {
            _running = false;
            _stages.Clear();
        }
    }

    /// <summary>One step of a spin: <c>pause</c> where the CPU has it (no system call, the core's other work unhindered).</summary>
    private static void Relax()
    {
        if (X86Base.IsSupported) X86Base.Pause();
        else Thread.SpinWait(1);
    }

    /// <summary>One Run's stages and slices: who claimed what, and how many slices are complete.</summary>
    private sealed class Job((int Count, IParallelBody Body)[] stages, int threads)
    {
        private readonly int[] _claimed = new int[stages.Length * threads];
        private int _completed;
        private volatile bool _failed;
        private Exception? _error;

        /// <summary>The threads the stages are cut for.</summary>
        public int Members => threads;

        /// <summary>The first exception an item threw, if any.</summary>
        public Exception? Error => Volatile.Read(ref _error);

        /// <summary>Member <paramref name="member"/>'s part: its own slice of each stage first, then any unclaimed one, stage by stage.</summary>
        public void Work(int member)
        {
            for (int s = 0; s < stages.Length; s++)
            {
                WaitFor(s * threads);
                for (int k = 0; k < threads; k++) TryRun(s, (member + k) % threads);
            }
        }

        public void WaitUntilDone() => WaitFor(stages.Length * threads);

        private void TryRun(int stage, int slice)
        {
            int index = stage * threads + slice;
            if (Volatile.Read(ref _claimed[index]) != 0 || Interlocked.Exchange(ref _claimed[index], 1) != 0) return;
            try
            {
                if (!_failed)
                {
                    var (count, body) = stages[stage];
                    int end = First(count, slice + 1, threads);
                    for (int i = First(count, slice, threads); i < end; i++) body.Execute(i);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                _failed = true;
            }
            finally
            {
                Interlocked.Increment(ref _completed);
            }
        }

        /// <summary>
        /// Slice <paramref name="slice"/>'s first item of <paramref name="count"/>: ⌈count · slice / threads⌉, so
        /// that a stage of fewer items than threads leaves its items to the first members (the caller
        /// runs a one-item stage — the Dense, the last layer — and never waits for a helper to run it).
        /// </summary>
        internal static int First(int count, int slice, int threads) => (int)(((long)count * slice + threads - 1) / threads);

        /// <summary>
        /// Waits until <paramref name="slices"/> slices are complete. A hand-off on a machine whose
        /// cores are free is under a microsecond, so the wait spins on <c>pause</c> alone (no system
        /// call) for <see cref="Helpers.HotTicks"/>, then also yields every 64 checks: on a loaded
        /// machine the thread running the slice may be waiting for this very core.
        /// </summary>
        private void WaitFor(int slices)
        {
            if (Volatile.Read(ref _completed) >= slices) return;
            long hot = Stopwatch.GetTimestamp() + Helpers.HotTicks;
            bool yielding = false;
            for (int checks = 1; Volatile.Read(ref _completed) < slices; checks++)
            {
                Relax();
                if (checks % 64 != 0) continue;
                if (yielding) Thread.Yield();
                else yielding = Stopwatch.GetTimestamp() > hot;
            }
        }
    }

    /// <summary>The helper threads (created as the thread count asks), shared by every team, one job at a time.</summary>
    private static class Helpers
    {
        /// <summary>How long an idle helper spins for the next job before it blocks: 50 µs, a few batch-1 calls.</summary>
        private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

        /// <summary>
        /// How long a wait spins on <c>pause</c> alone before it also yields: 20 µs, longer than the gap between
        /// back-to-back batch-1 calls (measured: yielding after 4 µs made the convnet's team slower than one thread).
        /// </summary>
        internal static readonly long HotTicks = Stopwatch.Frequency / 50_000;

        private static readonly object s_gate = new();
        private static readonly List<Thread> s_threads = [];
        private static Job? s_job;
        private static long s_generation;
        private static int s_busy;
        private static int s_sleepers;

        /// <summary>Publishes <paramref name="job"/> to the helpers; false when another team holds them.</summary>
        public static bool TryStart(Job job)
        {
            if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
            int members = job.Members;
            lock (s_gate)
                while (s_threads.Count < members - 1)
                {
                    int member = s_threads.Count + 1;
                    var thread = new Thread(() => Loop(member)) { IsBackground = true, Name = $"DeepSharp int8 helper {member}" };
                    s_threads.Add(thread);
                    thread.Start();
                }
            Interlocked.Exchange(ref s_job, job);
            Interlocked.Increment(ref s_generation);
            if (Volatile.Read(ref s_sleepers) > 0)
                lock (s_gate) Monitor.PulseAll(s_gate);
            return true;
        }

        /// <summary>Frees the helpers for the next team (the finished job stays published: a late helper finds it done).</summary>
        public static void Finish() => Volatile.Write(ref s_busy, 0);

        private static void Loop(int member)
        {
            long seen = 0;
            while (true)
            {
                long start = Stopwatch.GetTimestamp(), until = start + SpinTicks, hot = start + HotTicks;
                for (int checks = 1; Volatile.Read(ref s_generation) == seen; checks++)
                {
                    Relax();
                    if (checks % 64 != 0) continue; // ~64 pauses between clock reads: a job is seen within ~0.1 µs
                    long now = Stopwatch.GetTimestamp();
                    if (now > until)
                    {
                        lock (s_gate)
                        {
                            Interlocked.Increment(ref s_sleepers);
                            while (Volatile.Read(ref s_generation) == seen) Monitor.Wait(s_gate);
                            Interlocked.Decrement(ref s_sleepers);
                        }
                        break;
                    }
                    // Past the first microseconds, yield: on a busy machine the caller that will publish the next job may be waiting for this very core.
                    if (now > hot) Thread.Yield();
                }
                seen = Volatile.Read(ref s_generation);
                var job = Volatile.Read(ref s_job);
                if (job is not null && member < job.Members) job.Work(member);
            }
        }
    }
}
