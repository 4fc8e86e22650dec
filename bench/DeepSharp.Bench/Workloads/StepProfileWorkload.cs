using System.Diagnostics;
using DeepSharp.Autograd;
using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (p) Where one Keras mnist_convnet training step (batch 128) spends its time, DeepSharp only
/// (with --profile-model convnet-aug, bench (j)'s model instead; with seed, bench (a)'s seed CNN):
/// each layer's forward, the loss, clearing the gradients, each backward rule in the order
/// backpropagation runs them, and the optimizer step, as wall and process CPU time per step; then
/// the same number of steps through <c>Model.Fit</c>, whose surplus over the phases is the batch
/// assembly, metrics and callbacks. Run with --threads 1 for CPU times that are the work itself
/// (with more threads the CPU time also counts the workers' spinning). Only when named (--only p).
/// </summary>
internal static class StepProfileWorkload
{
    private const int BatchSize = 128, Steps = 60, WarmUp = 5;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section(o.ProfileModel == "chargpt"
            ? $"(p) chargpt step profile (the model of g), {CharGptStepProfile.Steps} steps after {CharGptStepProfile.WarmUp} warm-up, {o.Threads} thread(s); backward summed per rule"
            : $"(p) {o.ProfileModel} step profile, batch {BatchSize}, {Steps} steps after {WarmUp} warm-up, {o.Threads} thread(s)");
        var reply = bench.Runner.Workers[0].Call($"profile seed={o.Seed} model={o.ProfileModel}");
        var phases = reply.Keys.Where(k => k.StartsWith("cpu.", StringComparison.Ordinal)).Select(k => k[4..]).ToList();
        double total = phases.Where(p => !p.StartsWith("fit", StringComparison.Ordinal)).Sum(p => reply.Get("cpu." + p));
        bench.Log($"{"phase",-36} {"CPU ms/step",12} {"wall ms/step",13} {"CPU share",10}");
        foreach (var p in phases)
            bench.Log($"{p,-36} {1e3 * reply.Get("cpu." + p),12:F3} {1e3 * reply.Get("wall." + p),13:F3} {100 * reply.Get("cpu." + p) / total,9:F1}%");
        bench.Log($"{"sum of the phases",-36} {1e3 * total,12:F3}");
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        if (a.Text("model") == "chargpt") return CharGptStepProfile.DeepSharp();
        Func<Sequential> build = a.Text("model") switch
        {
            "convnet-aug" => () => ConvnetAugWorkload.BuildDeepSharp(42),
            "seed" => () => DeepSharpSide.BuildSeedModel(42),
            _ => () => ConvnetAccuracyWorkload.BuildDeepSharp(42),
        };
        var model = build();
        var x = Batch(side.XTrain);
        var y = Batch(side.YTrain);
        var timer = new PhaseTimer();
        var trainable = new List<Parameter>();
        for (int step = 0; step < WarmUp + Steps; step++)
        {
            if (step == WarmUp) timer.Reset();
            using var scope = Tensor.Scope();
            var h = x;
            var layers = model.Layers;
            for (int i = 0; i < layers.Count; i++)
            {
                var input = h;
                var layer = layers[i];
                // As Sequential runs them in training: a Conv2D and the MaxPooling2D after it in one op where it applies.
                if (i + 1 < layers.Count && layer is Conv2D conv && layers[i + 1] is MaxPooling2D pool
                    && timer.Time($"fwd.{layer.Name}+{pool.Name}", () => conv.TryForwardPooled(input, pool)!) is { } pooled)
                {
                    h = pooled;
                    i++;
                    continue;
                }
                h = timer.Time($"fwd.{layer.Name}", () => layer.Call(input, training: true));
            }
            var output = h;
            var loss = timer.Time("fwd.loss", () => model.Loss!.Compute(y, output));
            if (trainable.Count == 0) trainable.AddRange(model.TrainableParameters);
            timer.Time("grad-clear", () =>
            {
                foreach (var p in trainable) p.Value.Grad?.Span.Clear();
                return loss;
            });
            Backprop.Timer = timer;
            try { loss.Backward(); }
            finally { Backprop.Timer = null; }
            timer.Time("optimizer", () =>
            {
                model.Optimizer!.Apply(trainable);
                return loss;
            });
        }
        var reply = timer.Reply(Steps);

        // The same steps through Fit: what it adds is batch assembly, metrics and callbacks.
        var fitModel = build();
        var stopper = new StopAfter(WarmUp);
        fitModel.Fit(side.XTrain, side.YTrain, BatchSize, 1, verbose: 0, callbacks: [stopper]);
        stopper.Limit = Steps;
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        fitModel.Fit(side.XTrain, side.YTrain, BatchSize, 1, verbose: 0, callbacks: [stopper]);
        reply["cpu.fit-step"] = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / stopper.Count;
        reply["wall.fit-step"] = Stopwatch.GetElapsedTime(start).TotalSeconds / stopper.Count;
        return reply;
    }

    private static Tensor Batch(Tensor all)
    {
        int row = all.Size / all.Shape[0];
        var dims = all.Shape.Dims.ToArray();
        dims[0] = BatchSize;
        var batch = Tensor.Zeros(new Shape(dims));
        all.Span[..(BatchSize * row)].CopyTo(batch.Span);
        return batch;
    }

    /// <summary>
    /// Wall and process CPU time per named phase, in first-seen order; backward rules by their
    /// position in backpropagation, or with <paramref name="byRule"/> summed per rule name.
    /// </summary>
    internal sealed class PhaseTimer(bool byRule = false) : IBackwardTimer
    {
        private readonly Dictionary<string, (double Cpu, double Wall)> _totals = [];
        private readonly List<string> _order = [];
        private int _backwardIndex;

        public void Reset()
        {
            _totals.Clear();
            _order.Clear();
        }

        public Tensor Time(string phase, Func<Tensor> work)
        {
            if (phase == "fwd.loss") _backwardIndex = 0;
            var cpu0 = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            var result = work();
            Add(phase, (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
            return result;
        }

        public void Run(IGradFunction fn, Tensor output, Tensor outputGrad) =>
            Time(byRule ? $"bwd.{fn.Name.Replace(' ', '_')}" : $"bwd.{_backwardIndex++}.{fn.Name.Replace(' ', '_')}", () =>
            {
                fn.Backward(output, outputGrad);
                return output;
            });

        private void Add(string phase, double cpu, double wall)
        {
            if (!_totals.TryGetValue(phase, out var t)) _order.Add(phase);
            _totals[phase] = (t.Cpu + cpu, t.Wall + wall);
        }

        public Reply Reply(int steps)
        {
            var reply = new Reply();
            foreach (var p in _order)
            {
                reply["cpu." + p] = _totals[p].Cpu / steps;
                reply["wall." + p] = _totals[p].Wall / steps;
            }
            return reply;
        }
    }

    /// <summary>Counts steps and stops Fit after <see cref="Limit"/> of them.</summary>
    private sealed class StopAfter(int limit) : Callback
    {
        public int Limit { get; set; } = limit;
        public int Count { get; private set; }

        public override void OnTrainBegin() => Count = 0;

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            if (++Count >= Limit) Model!.StopTraining = true;
        }
    }
}
