using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Managed bytes allocated on the training thread from one batch's end to the next: whole steps as
/// Fit runs them (gather, forward, loss, backward, optimizer, metrics, logs).
/// </summary>
internal sealed class StepAllocationMeter : Callback
{
    private long _last = -1;

    public List<long> PerStep { get; } = [];

    /// <summary>The median over the steps after the first <paramref name="warmUp"/> (the pools fill there).</summary>
    public long SteadyMedian(int warmUp = 10)
    {
        var steady = PerStep.Skip(warmUp).Order().ToArray();
        return steady[steady.Length / 2];
    }

    public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        if (_last >= 0) PerStep.Add(now - _last);
        _last = GC.GetAllocatedBytesForCurrentThread();
    }
}
