using System.Diagnostics;
using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (j) Training steps of convnet-aug (<c>deepsharp train mnist --model convnet-aug</c>) against the
/// same model in libtorch: two 3×3 convolutions per stage without bias, each followed by
/// BatchNormalization (ε 1e-3, momentum 0.99 as Keras counts it) and ReLU, a 2×2 max-pool after
/// each stage, Dense 128 without bias + BatchNormalization + ReLU + Dropout 0.4, Dense 10 softmax;
/// Adam 1e-3 (ε 1e-7), batch 128, MNIST reshuffled. The augmentation layers (rotation, translation,
/// zoom) are left out on both sides alike: libtorch has no built-in twin of Keras's random image
/// layers, so the rows time the model itself. Both start from the same initial weights; each
/// round builds the model afresh, runs a few warm-up steps, then times the next steps (wall and
/// process CPU time; with --threads 1 the CPU time is the work itself). Only when named (--only j).
/// </summary>
internal static class ConvnetAugWorkload
{
    private const int BatchSize = 128, WarmUp = 5;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        int steps = o.Quick ? 30 : 100;
        bench.Section($"(j) convnet-aug training (augmentation left out on both sides): {o.Reps} rounds of {steps} steps after {WarmUp} warm-up, batch {BatchSize}");
        var replies = bench.Runner.Alternate(_ => $"convnetaug seed={o.Seed} steps={steps}", o.Reps, (round, worker, r) =>
            bench.Log($"round {round + 1}: {worker.Label,-18} {1e3 * r.Get("seconds") / steps,7:F2} ms/step  CPU {1e3 * r.Get("cpu") / steps,7:F2} ms/step  mean loss {r.Get("loss"):F4}"));
        var seconds = bench.PerWorker(replies, r => r.Get("seconds") / steps * 469);
        bench.Table.Add(new ResultRow("(j) convnet-aug", $"{steps} steps scaled to an epoch (469 steps), no augmentation", "s/epoch", HigherIsBetter: false, seconds,
            Target: "<= 0.6x", Check: ratio => ratio <= 0.6));
        var cpu = bench.PerWorker(replies, r => r.Get("cpu") / steps * 1e3);
        bench.Table.Add(new ResultRow("(j) convnet-aug", "process CPU time per step", "CPU ms/step", HigherIsBetter: false, cpu));
    }

    /// <summary>The convnet-aug preset without its three augmentation layers, compiled with a constant Adam 1e-3.</summary>
    internal static Sequential BuildDeepSharp(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(
            new Conv2D(32, (3, 3), useBias: false, inputShape: [28, 28, 1]), new BatchNormalization(), new ActivationLayer(Activation.Relu),
            new Conv2D(32, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
            new Conv2D(64, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
            new Dropout(0.4f),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(1e-3f, 0.9f, 0.999f, 1e-7f), new CategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        int seed = a.Int("seed"), steps = a.Int("steps");
        var model = BuildDeepSharp(seed);
        var clock = new StepClock(WarmUp, steps);
        var history = model.Fit(side.XTrain, side.YTrain, BatchSize, 1, verbose: 0, callbacks: [clock]);
        return new Reply { ["seconds"] = clock.Wall, ["cpu"] = clock.Cpu, ["loss"] = history["loss"][^1] };
    }

    public static Reply Torch(TorchSide side, Args a)
    {
        int seed = a.Int("seed"), steps = a.Int("steps");
        var reference = BuildDeepSharp(seed);
        var shuffle = RandomGenerator.Global.Fork();
        torch.random.manual_seed(seed);
        var convs = reference.Layers.OfType<Conv2D>().ToArray();
        var denses = reference.Layers.OfType<Dense>().ToArray();
        var c1 = nn.Conv2d(1, 32, 3, bias: false);
        var c2 = nn.Conv2d(32, 32, 3, bias: false);
        var c3 = nn.Conv2d(32, 64, 3, bias: false);
        var c4 = nn.Conv2d(64, 64, 3, bias: false);
        var d1 = nn.Linear(4 * 4 * 64, 128, hasBias: false);
        var d2 = nn.Linear(128, 10);
        // Keras's momentum 0.99 keeps 99 % of the old statistics; torch's momentum is the new share.
        static nn.Module<TorchTensor, TorchTensor> Bn2(int c) => nn.BatchNorm2d(c, eps: 1e-3, momentum: 0.01);
        var model = nn.Sequential(
            ("c1", c1), ("bn1", Bn2(32)), ("r1", nn.ReLU()),
            ("c2", c2), ("bn2", Bn2(32)), ("r2", nn.ReLU()), ("p1", nn.MaxPool2d(2)),
            ("c3", c3), ("bn3", Bn2(64)), ("r3", nn.ReLU()),
            ("c4", c4), ("bn4", Bn2(64)), ("r4", nn.ReLU()), ("p2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("d1", d1), ("bn5", nn.BatchNorm1d(128, eps: 1e-3, momentum: 0.01)), ("r5", nn.ReLU()),
            ("dropout", nn.Dropout(0.4)), ("d2", d2));
        using (torch.no_grad())
        {
            var torchConvs = new[] { c1, c2, c3, c4 };
            for (int i = 0; i < 4; i++)
            {
                var k = convs[i].Parameters[0].Value;
                torchConvs[i].weight!.copy_(torch.tensor(Layouts.ConvKernelToOihw(k), [k.Shape[3], k.Shape[2], k.Shape[0], k.Shape[1]]));
            }
            d1.weight!.copy_(torch.tensor(Layouts.DenseKernelNhwcToNchw(denses[0].Parameters[0].Value, 4, 4, 64), [128, 4 * 4 * 64]));
            d2.weight!.copy_(torch.tensor(Layouts.Transpose(denses[1].Parameters[0].Value.ToArray(), 128, 10), [10, 128]));
            d2.bias!.copy_(torch.tensor(denses[1].Parameters[1].Value.ToArray(), [10]));
        }
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7);
        model.train();
        int count = side.TrainCount;
        var order = new int[count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        shuffle.Shuffle(order);
        using var perm = torch.tensor(Array.ConvertAll(order, v => (long)v));
        var labels = side.YTrain;
        double wall = 0, cpu = 0, lossSum = 0;
        var cpu0 = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        for (int step = 0; step < WarmUp + steps; step++)
        {
            if (step == WarmUp)
            {
                cpu0 = Environment.CpuUsage.TotalTime;
                start = Stopwatch.GetTimestamp();
            }
            using var scope = torch.NewDisposeScope();
            var index = perm.narrow(0, (long)step * BatchSize, BatchSize);
            optimizer.zero_grad();
            var l = nn.functional.cross_entropy(model.forward(side.XTrain.index_select(0, index)), labels.index_select(0, index));
            l.backward();
            optimizer.step();
            lossSum += l.item<float>(); // as Fit's running mean, which reads each step's loss
            if (step == WarmUp + steps - 1)
            {
                wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
                cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
            }
        }
        return new Reply { ["seconds"] = wall, ["cpu"] = cpu, ["loss"] = lossSum / (WarmUp + steps) };
    }

    /// <summary>Starts the clocks after the warm-up steps, reads them after the timed ones and stops Fit.</summary>
    private sealed class StepClock(int warmUp, int steps) : Callback
    {
        private TimeSpan _cpu0;
        private long _start;
        private int _done;

        public double Wall { get; private set; }
        public double Cpu { get; private set; }

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs)
        {
            _done++;
            if (_done == warmUp)
            {
                _cpu0 = Environment.CpuUsage.TotalTime;
                _start = Stopwatch.GetTimestamp();
            }
            else if (_done == warmUp + steps)
            {
                Wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
                Cpu = (Environment.CpuUsage.TotalTime - _cpu0).TotalSeconds;
                Model!.StopTraining = true;
            }
        }
    }
}
