using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (e) Managed bytes allocated per training step after warm-up: GC.GetTotalAllocatedBytes(precise)
/// read at the end of each step of a short Fit (batch end to batch end, so the whole step as Fit
/// runs it: gather, forward, loss, backward, Adam, metrics, logs), median over the steps.
/// The libtorch column is TorchSharp's managed wrappers around libtorch's native work.
/// </summary>
internal static class AllocationWorkload
{
    private const int Steps = 40, Skip = 5;

    public static void Run(BenchContext bench)
    {
        bench.Section($"(e) managed allocation per training step: 2 rounds of {Steps} steps (median of steps {Skip + 1}-{Steps}), the second reported");
        var replies = bench.Runner.Alternate(_ => $"alloc steps={Steps}", 2);
        var bytes = replies.Select(rs => new Stats(rs[^1].Get("median"), rs[^1].Get("min"), rs[^1].Get("max"), double.NaN, double.NaN, Steps - Skip)).ToArray();
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {bytes[i].Median:F0} B/step [{bytes[i].Min:F0}-{bytes[i].Max:F0}]")));
        double ds = bytes[0].Median;
        bench.Table.Add(new ResultRow("(e) allocation", "managed bytes per training step", "bytes", HigherIsBetter: false, bytes,
            Target: "<= 1 KB (absolute)", Verdict: ds <= 1024 ? "yes" : "NO"));
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        var meter = new Meter(a.Int("steps"));
        side.Model.Fit(side.XTrain, side.YTrain, batchSize: DeepSharpSide.BatchSize, epochs: 1, verbose: 0, callbacks: [meter]);
        return Summarise(meter.PerStep);
    }

    public static Reply Torch(TorchSide side, Args a)
    {
        var perStep = new List<double>();
        long before = 0;
        side.TrainEpoch(a.Int("steps"), step =>
        {
            long now = GC.GetTotalAllocatedBytes(precise: true);
            if (step != 0) perStep.Add(now - before);
            before = GC.GetTotalAllocatedBytes(precise: true);
        });
        return Summarise(perStep);
    }

    private static Reply Summarise(List<double> perStep)
    {
        var s = Stats.Of(perStep.Skip(Skip).ToList());
        return new Reply { ["median"] = s.Median, ["min"] = s.Min, ["max"] = s.Max };
    }

    /// <summary>Bytes allocated from one batch's end hook to the next; stops Fit after a set number of steps.</summary>
    private sealed class Meter(int steps) : Callback
    {
        private long _before = -1;

        public List<double> PerStep { get; } = [];

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            long now = GC.GetTotalAllocatedBytes(precise: true);
            if (_before >= 0) PerStep.Add(now - _before);
            if (PerStep.Count >= steps) Model!.StopTraining = true;
            _before = GC.GetTotalAllocatedBytes(precise: true);
        }
    }
}
