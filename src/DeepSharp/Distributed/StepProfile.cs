using System.Diagnostics;

namespace DeepSharp.Distributed;

/// <summary>
/// Where a data-parallel step's time goes, summed over the steps of a Fit (the bench reads it; it
/// costs two timestamps per phase). Compute: the chunks' forward and backward; Copy: gradients and
/// state moved between tensors and flat buffers; Add: the tree's additions; Exchange: time spent
/// inside MPI calls and waiting for them after backward; Optimizer: the update (and, sharded over MPI,
/// the weights' all-gather); Weights: the updated weights handed between the ranks through shared
/// memory after a split update. The exchange's head start (first bucket started → backward's end) against the
/// wait after backward says how much of it backward hid.
/// </summary>
internal sealed class StepProfile
{
    public long Compute, Copy, Add, Exchange, Optimizer, Total;
    public int Steps;

    /// <summary>Bytes of the exchange started before the last chunk's backward ended, and all of them.</summary>
    public long BytesStartedEarly, BytesExchanged;

    /// <summary>Bytes of chunk gradients backward wrote straight into their tree node (no copy).</summary>
    public long BytesInPlace;

    /// <summary>Whether the all-gather read the node sums from memory the ranks share (not reset: it is the job's).</summary>
    public bool SharedMemory;

    /// <summary>
    /// Ticks spent handing the updated weights between the ranks after a split update (shared memory),
    /// and the part of them spent waiting for the other ranks' blocks; whether the update was split.
    /// </summary>
    public long Weights, WeightsWait;

    /// <summary>Whether the ranks split the root additions and the optimizer step (not reset: it is the job's).</summary>
    public bool SplitUpdate;

    /// <summary>Whether the weights live in the machine's shared file, each rank's block updated there in place (not reset: it is the job's).</summary>
    public bool WeightsShared;

    /// <summary>
    /// The job's exchange (not reset): the machines the ranks run on (0 before the first step of several
    /// ranks), whether the node sums went by the MPI reduce-scatter, and what the cost model chose and why
    /// (<see cref="DeterministicExchange.Auto"/>; null when nothing was chosen).
    /// </summary>
    public int Hosts;

    /// <inheritdoc cref="Hosts"/>
    public bool ReduceScatter;

    /// <inheritdoc cref="Hosts"/>
    public string? ExchangeChoice;

    /// <summary>Ticks spent waiting for the exchange after backward ended.</summary>
    public long WaitAfterBackward;

    /// <summary>Ticks from the first bucket's start to the end of the last chunk's backward: the time the exchange had to run behind backward.</summary>
    public long HeadStart;

    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>
    /// Whether <see cref="WaitCpu"/> is measured (the bench turns it on: each reading is a system call).
    /// </summary>
    public static bool MeasureCpu { get; set; }

    /// <summary>The process's CPU time now when <see cref="MeasureCpu"/> is on, else zero.</summary>
    public static TimeSpan CpuNow => MeasureCpu ? Environment.CpuUsage.TotalTime : TimeSpan.Zero;

    /// <summary>
    /// The process's CPU time spent waiting for the other ranks (the exchange's waits after backward and
    /// the step's loss all-gather: MPI and the shared-memory flags spin). On a busy machine the ranks wait
    /// for each other far longer than on a quiet one; the CPU time less this is the rank's own work.
    /// </summary>
    public TimeSpan WaitCpu;

    public void Reset()
    {
        Compute = Copy = Add = Exchange = Optimizer = Total = Weights = WeightsWait = WaitAfterBackward = HeadStart = BytesStartedEarly = BytesExchanged = BytesInPlace = 0;
        WaitCpu = TimeSpan.Zero;
        Steps = 0;
    }

    /// <summary>Milliseconds per step of a phase's ticks.</summary>
    public double PerStepMs(long ticks) => Steps == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / Steps;

    /// <summary>One line for logs: milliseconds per step of each phase.</summary>
    public override string ToString() =>
        $"steps {Steps}: total {PerStepMs(Total):F2} ms/step = compute {PerStepMs(Compute):F2} + copies {PerStepMs(Copy):F2} + adds {PerStepMs(Add):F2} " +
        $"+ exchange {PerStepMs(Exchange):F2} (waited after backward {PerStepMs(WaitAfterBackward):F2}) + optimizer {PerStepMs(Optimizer):F2} + weights shared {PerStepMs(Weights):F2} (waited {PerStepMs(WeightsWait):F2}) + other " +
        $"{PerStepMs(Total - Compute - Copy - Add - Exchange - Optimizer - Weights):F2}; {(BytesExchanged == 0 ? 0 : 100.0 * BytesStartedEarly / BytesExchanged):F0} % of the exchanged bytes started " +
        $"during backward, {PerStepMs(HeadStart):F2} ms before it ended{(SharedMemory ? " (node sums in shared memory)" : "")}{(SplitUpdate ? " (root additions and update split between the ranks)" : "")}{(WeightsShared ? " (weights in shared memory, updated in place)" : "")}; {(Steps == 0 ? 0 : BytesInPlace / Steps / 1024):F0} KiB/step of chunk gradients written in place";
}
