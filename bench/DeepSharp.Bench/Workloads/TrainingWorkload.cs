using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Training.Callbacks;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (a) Seed-CNN training on MNIST, batch 128, Adam, reshuffled every epoch: seconds per epoch (or per
/// partial epoch of a fixed number of steps in --quick) and the final test accuracy; each worker trains
/// one model from the same initial weights through all rounds. Also feeds (f): every round reports
/// its own peak working set.
/// </summary>
internal static class TrainingWorkload
{
    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        int rounds = o.TrainRounds;
        string unit = o.Quick ? $"s per {o.QuickSteps} steps" : "s/epoch";
        bench.Section($"(a) seed CNN training: {rounds} rounds of {(o.Quick ? $"{o.QuickSteps} steps (a PARTIAL epoch)" : "one full epoch (469 steps)")}, alternating");
        var replies = bench.Runner.Alternate(_ => $"train steps={(o.Quick ? o.QuickSteps : 0)}", rounds, (round, worker, r) =>
            bench.Log($"round {round + 1}{(round == 0 ? " (includes JIT / first-touch)" : "")}: {worker.Label,-18} {r.Get("seconds"),7:F2} s  " +
                      $"loss {r.Get("loss"):F4}  acc {r.Get("accuracy"):F4}  peak WS {r.Get("peakWs") / 1e6:F0} MB"));

        var seconds = bench.PerWorker(replies, r => r.Get("seconds"), skipFirst: true);
        bench.Table.Add(new ResultRow("(a) train", o.Quick ? $"time per {o.QuickSteps} steps (partial epoch), rounds 2-{rounds}" : $"epoch time, epochs 2-{rounds}",
            unit, HigherIsBetter: false, seconds, Target: "<= 0.7x must, <= 0.5x goal", Check: ratio => ratio <= 0.7));
        bench.Roofline.AddRate("(a) seed CNN training step (batch 128)", ModelFlops.SeedTrainingPerImage,
            bench.PerWorker(replies, r => r.Get("steps") * 128 / r.Get("seconds"), skipFirst: true));
        var first = bench.PerWorker(replies, r => r.Get("seconds"), onlyFirst: true);
        bench.Table.Add(new ResultRow("(a) train", "first round (with JIT)", unit, HigherIsBetter: false, first));

        var accuracy = bench.Runner.Workers.Select(w => Stats.Single(w.Call("evaluate").Get("accuracy"))).ToArray();
        string trained = o.Quick ? $"{rounds} x {o.QuickSteps} steps" : $"{rounds} epochs";
        bench.Table.Add(new ResultRow("(a) train", $"test accuracy after {trained}", "fraction", HigherIsBetter: true, accuracy,
            Target: "equal within seed noise"));
        WorkingSetWorkload.Report(bench, replies);
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        int maxSteps = a.Int("steps", 0);
        var counter = new StepCounter(maxSteps);
        MemoryProbe.ResetPeak();
        Training.History? history = null;
        double seconds = Timing.Seconds(() =>
            history = side.Model.Fit(side.XTrain, side.YTrain, batchSize: DeepSharpSide.BatchSize, epochs: 1, verbose: 0, callbacks: [counter]));
        return new Reply
        {
            ["seconds"] = seconds, ["steps"] = counter.Steps,
            ["loss"] = history!["loss"][^1], ["accuracy"] = history["accuracy"][^1],
            ["peakWs"] = MemoryProbe.PeakWorkingSet(), ["ws"] = MemoryProbe.WorkingSet(),
        };
    }

    public static Reply Torch(TorchSide side, Args a)
    {
        int maxSteps = a.Int("steps", 0);
        MemoryProbe.ResetPeak();
        (int steps, double loss, double accuracy) result = default;
        double seconds = Timing.Seconds(() => result = side.TrainEpoch(maxSteps, null));
        return new Reply
        {
            ["seconds"] = seconds, ["steps"] = result.steps, ["loss"] = result.loss, ["accuracy"] = result.accuracy,
            ["peakWs"] = MemoryProbe.PeakWorkingSet(), ["ws"] = MemoryProbe.WorkingSet(),
        };
    }

    public static Reply EvaluateDeepSharp(DeepSharpSide side) =>
        new() { ["accuracy"] = side.Model.Evaluate(side.XTest, side.YTest, batchSize: 1000)["accuracy"] };

    public static Reply EvaluateTorch(TorchSide side)
    {
        side.Model.eval();
        long correct = 0;
        int n = (int)side.XTest.shape[0];
        using (torch.no_grad())
            for (int start = 0; start < n; start += 1000)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(1000, n - start);
                var logits = side.Model.forward(side.XTest.narrow(0, start, count));
                correct += logits.argmax(1).eq(side.YTest.narrow(0, start, count)).sum().item<long>();
            }
        return new Reply { ["accuracy"] = (double)correct / n };
    }

    /// <summary>Counts steps and, when a limit is set, stops Fit after that many.</summary>
    private sealed class StepCounter(int maxSteps) : Callback
    {
        public int Steps { get; private set; }

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            Steps++;
            if (maxSteps > 0 && Steps >= maxSteps) Model!.StopTraining = true;
        }
    }
}
