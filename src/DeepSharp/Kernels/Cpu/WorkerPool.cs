using System.Diagnostics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// A small set of persistent worker threads for fork/join loops in kernels. The calling thread
/// takes part, so <see cref="ThreadCount"/> = 1 runs everything inline.
/// </summary>
/// <remarks>
/// Work items are claimed with an atomic counter; which thread runs an item never changes what the
/// item computes, so kernels that partition work by fixed tile sizes give bit-identical results for
/// any thread count. Nested or concurrent calls (a kernel called from a worker, or two threads
/// calling at once) run inline on the caller instead of waiting, so the pool cannot deadlock.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>The pool that kernels use; sized by <see cref="DeepSharp.Threads.Count"/>.</summary>
    public static WorkerPool Shared { get; } = new(Environment.ProcessorCount);

    [ThreadStatic] private static bool t_insideWorker;

    private readonly object _runLock = new();
    private readonly object _resizeLock = new();
    private Worker[] _workers = [];
    private int _threadCount;

    private IParallelBody? _body;
    private int _count;
    private int _next;
    private int _active;
    private Exception? _error;
    private readonly ManualResetEventSlim _done = new(false);

    public WorkerPool(int threads) => ThreadCount = threads;

    /// <summary>Threads that run work, the caller included.</summary>
    public int ThreadCount
    {
        get => _threadCount;
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Thread count must be at least 1.");
            lock (_runLock)
                lock (_resizeLock)
                {
                    if (value == _threadCount) return;
                    foreach (var w in _workers) w.Stop();
                    _workers = new Worker[value - 1];
                    for (int i = 0; i < _workers.Length; i++) _workers[i] = new Worker(this, i);
                    _threadCount = value;
                }
        }
    }

    /// <summary>
    /// Below this much work (multiply-adds, or elements touched) a loop runs on the calling thread:
    /// waking a worker costs microseconds, more than a batch-1 layer's whole computation.
    /// </summary>
    public const long InlineWork = 1L << 18;

    /// <summary>
    /// Runs <paramref name="body"/> for indices 0..count-1: inline when <paramref name="work"/> (the
    /// loop's total multiply-adds or elements) is below <see cref="InlineWork"/>, else over the pool.
    /// </summary>
    public void For(int count, IParallelBody body, long work)
    {
        if (work < InlineWork)
        {
            for (int i = 0; i < count; i++) body.Execute(i);
            return;
        }
        For(count, body);
    }

    /// <summary>Runs <paramref name="body"/> for indices 0..count-1, spread over the pool.</summary>
    public void For(int count, IParallelBody body)
    {
        if (count <= 0) return;
        if (count == 1 || _threadCount == 1 || t_insideWorker || !Monitor.TryEnter(_runLock))
        {
            for (int i = 0; i < count; i++) body.Execute(i);
            return;
        }
        try
        {
            var workers = _workers;
            int helpers = Math.Min(workers.Length, count - 1);
            _body = body;
            _count = count;
            _next = 0;
            _error = null;
            _active = helpers;
            _done.Reset();
            for (int i = 0; i < helpers; i++) workers[i].Start();
            bool wasInside = t_insideWorker;
            t_insideWorker = true;
            try { RunItems(); }
            finally { t_insideWorker = wasInside; }
            if (helpers > 0)
            {
                SpinForHelpers();
                _done.Wait();
            }
            _body = null;
            if (_error is { } e) throw new AggregateException("A parallel kernel body failed.", e);
        }
        finally
        {
            Monitor.Exit(_runLock);
        }
    }

    private void RunItems()
    {
        var body = _body!;
        int count = _count;
        try
        {
            for (int i = Interlocked.Increment(ref _next) - 1; i < count; i = Interlocked.Increment(ref _next) - 1)
                body.Execute(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
            Volatile.Write(ref _next, count);
        }
    }

    /// <summary>
    /// The caller, done with its own items, spins up to <see cref="CallerSpinTicks"/> for the helpers' last
    /// items before it blocks in <c>_done.Wait()</c> (whose own spin is ~1 µs): a blocked caller must be woken
    /// through the kernel (and, on an idle vCPU, the hypervisor) when the last helper finishes. Yields each
    /// round, as the worker's spin does, so that a helper sharing the caller's core is not held off.
    /// </summary>
    private void SpinForHelpers()
    {
        long ticks = CallerSpinTicks;
        if (ticks <= 0) return;
        long until = Stopwatch.GetTimestamp() + ticks;
        while (Volatile.Read(ref _active) != 0 && Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
            Thread.Yield();
        }
    }

    /// <summary>
    /// How long the caller spins for the helpers before blocking: 20 µs on Intel, none elsewhere (not
    /// measured there). Gemm probe <c>handoff-spin</c> on the Intel machine (docs/benchmarks.md, "Dropout
    /// masks and the pool's hand-off on Intel"), 2-thread calls after 80 / 200 µs of serial work: 128³
    /// 59.7 → 47.0 µs and 73.9 → 60.7 µs (medians), 128×784×128ᵇ 139.5 → 113.5 µs at 80 µs gaps in a quieter
    /// run; the same or lower process CPU; no change back to back or at 30 µs gaps. Settable for the probe.
    /// </summary>
    internal static long CallerSpinTicks { get; set; } = CpuIdentity.IsIntel ? Stopwatch.Frequency / 50_000 : 0;

    private void WorkerFinished()
    {
        if (Interlocked.Decrement(ref _active) == 0) _done.Set();
    }

    public void Dispose()
    {
        lock (_runLock)
        {
            foreach (var w in _workers) w.Stop();
            _workers = [];
            _threadCount = 1;
        }
    }

    /// <summary>
    /// How long an idle worker spins before it blocks: 20 µs, enough to bridge a model's layers and
    /// back-to-back Predict calls, short enough that an idle pool costs little CPU. 60 µs was measured on
    /// the Intel machine (probe <c>handoff-spin</c>) and not kept: it helps calls 30–100 µs apart on a
    /// quiet machine (128³ after 80 µs gaps: 60 → 25 µs) but when another process holds the second core
    /// every call waits out the worker's spin before the caller gets a core back (+40 µs a call).
    /// Settable for the probe.
    /// </summary>
    internal static long SpinTicks { get; set; } = Stopwatch.Frequency / 50_000;

    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly SemaphoreSlim _go = new(0);
        private volatile bool _stop;

        public Worker(WorkerPool pool, int index)
        {
            _pool = pool;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"DeepSharp worker {index + 1}" };
            thread.Start();
        }

        public void Start() => _go.Release();

        /// <summary>
        /// Spins up to <see cref="SpinTicks"/> for the next start before blocking: a blocked thread
        /// takes microseconds to wake (an empty two-item loop took ≥ 7 µs on the shared Zen 5 machine), which
        /// is about what a batch-1 layer gains from a second thread, while back-to-back loops (a model's
        /// layers, the next Predict call) then start at once, as ONNX Runtime's and OpenMP's spinning
        /// workers do. The spin reads the semaphore's count only; Wait then takes it without blocking.
        /// An empty two-item loop at load 70 on the 2-core machine: 7.1 µs blocking, 5.5 µs with this spin.
        /// </summary>
        private void SpinWhileIdle()
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            while (_go.CurrentCount == 0 && !_stop && Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(20);
                // On a busy machine the caller that will start us may be waiting for this very core
                // (the scheduler put the woken worker beside it): a pure spin would hold it off for
                // the whole spin (measured: every loop took 20 µs longer at load 60 on 2 cores).
                Thread.Yield();
            }
        }

        public void Stop()
        {
            _stop = true;
            _go.Release();
        }

        private void Loop()
        {
            t_insideWorker = true;
            while (true)
            {
                SpinWhileIdle();
                _go.Wait();
                if (_stop) return;
                _pool.RunItems();
                _pool.WorkerFinished();
            }
        }
    }
}
