using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using TorchSharp;
using static TorchSharp.torch;
using DsTensor = DeepSharp.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (i) Accuracy parity on Keras's mnist_convnet (Conv2D 32 → MaxPool → Conv2D 64 → MaxPool →
/// Flatten → Dropout 0.5 → Dense 10; Adam 1e-3, ε 1e-7; batch 128; 15 epochs; trained on the first
/// 54,000 images, the last 6,000 held out as Keras's validation_split 0.1 does). For each seed both
/// frameworks start from the same initial weights (DeepSharp's, copied into libtorch) and report
/// the test accuracy after training. DeepSharp trains through <c>Model.Fit</c> exactly as
/// <c>deepsharp train mnist --model convnet</c> does. Not part of the default run: one seed takes
/// several minutes per framework.
/// </summary>
internal static class ConvnetAccuracyWorkload
{
    private const int BatchSize = 128, TrainCount = 54_000;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        var seeds = o.Seeds;
        bench.Section($"(i) Keras mnist_convnet accuracy: {o.ConvnetEpochs} epochs, seeds {string.Join(", ", seeds)}, same initial weights per seed");
        var replies = bench.Runner.Alternate(round => $"convnet seed={seeds[round]} epochs={o.ConvnetEpochs}", seeds.Count, (round, worker, r) =>
            bench.Log($"seed {seeds[round],-4} {worker.Label,-18} test accuracy {r.Get("accuracy"):F4}  loss {r.Get("loss"):F4}  {r.Get("secondsPerEpoch"),5:F1} s/epoch"));
        var accuracy = bench.PerWorker(replies, r => r.Get("accuracy"));
        bench.Table.Add(new ResultRow("(i) convnet", $"test accuracy, {seeds.Count} seed(s), {o.ConvnetEpochs} epochs", "fraction", HigherIsBetter: true, accuracy,
            Target: "equal within seed noise"));
        var seconds = bench.PerWorker(replies, r => r.Get("secondsPerEpoch"));
        bench.Table.Add(new ResultRow("(i) convnet", "epoch time (54k images)", "s/epoch", HigherIsBetter: false, seconds));
    }

    /// <summary>The convnet as Keras builds it, from <paramref name="seed"/>, compiled as the example compiles it.</summary>
    internal static Sequential BuildDeepSharp(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(1e-3f, 0.9f, 0.999f, 1e-7f), new CategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        int seed = a.Int("seed"), epochs = a.Int("epochs");
        var model = BuildDeepSharp(seed);
        double seconds = Timing.Seconds(() => model.Fit(side.XTrain, side.YTrain, BatchSize, epochs, verbose: 0, validationSplit: 0.1f));
        var test = model.Evaluate(side.XTest, side.YTest, batchSize: 1000);
        return new Reply { ["accuracy"] = test["accuracy"], ["loss"] = test["loss"], ["secondsPerEpoch"] = seconds / epochs };
    }

    public static Reply Torch(TorchSide side, Args a)
    {
        int seed = a.Int("seed"), epochs = a.Int("epochs");
        var reference = BuildDeepSharp(seed);
        var shuffle = RandomGenerator.Global.Fork();
        torch.random.manual_seed(seed);
        var p = reference.Parameters.Select(q => q.Value).ToArray();   // conv, conv bias, conv_1, conv_1 bias, dense, dense bias
        var conv1 = nn.Conv2d(1, 32, 3);
        var conv2 = nn.Conv2d(32, 64, 3);
        var dense = nn.Linear(5 * 5 * 64, 10);
        var model = nn.Sequential(
            ("conv1", conv1), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", conv2), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("dropout", nn.Dropout(0.5)), ("dense", dense));
        using (torch.no_grad())
        {
            conv1.weight!.copy_(torch.tensor(Layouts.ConvKernelToOihw(p[0]), [32, 1, 3, 3]));
            conv1.bias!.copy_(torch.tensor(p[1].ToArray(), [32]));
            conv2.weight!.copy_(torch.tensor(Layouts.ConvKernelToOihw(p[2]), [64, 32, 3, 3]));
            conv2.bias!.copy_(torch.tensor(p[3].ToArray(), [64]));
            dense.weight!.copy_(torch.tensor(Layouts.DenseKernelNhwcToNchw(p[4], 5, 5, 64), [10, 5 * 5 * 64]));
            dense.bias!.copy_(torch.tensor(p[5].ToArray(), [10]));
        }
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7);
        // NCHW with one channel shares NHWC's layout, so the worker's (60000, 1, 28, 28) images serve as they are.
        var x = side.XTrain.narrow(0, 0, TrainCount);
        var y = side.YTrain.narrow(0, 0, TrainCount);
        double seconds = Timing.Seconds(() =>
        {
            for (int epoch = 0; epoch < epochs; epoch++) TrainEpoch(model, optimizer, x, y, shuffle);
        });
        var (accuracy, loss) = Evaluate(model, side.XTest, side.YTest);
        return new Reply { ["accuracy"] = accuracy, ["loss"] = loss, ["secondsPerEpoch"] = seconds / epochs };
    }

    private static void TrainEpoch(nn.Module<TorchTensor, TorchTensor> model, optim.Optimizer optimizer, TorchTensor x, TorchTensor y, RandomGenerator shuffle)
    {
        model.train();
        var order = new int[TrainCount];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        shuffle.Shuffle(order);
        using var perm = torch.tensor(Array.ConvertAll(order, v => (long)v));
        for (int start = 0; start < TrainCount; start += BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            var index = perm.narrow(0, start, Math.Min(BatchSize, TrainCount - start));
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x.index_select(0, index)), y.index_select(0, index));
            loss.backward();
            optimizer.step();
        }
    }

    private static (double Accuracy, double Loss) Evaluate(nn.Module<TorchTensor, TorchTensor> model, TorchTensor x, TorchTensor y)
    {
        model.eval();
        long correct = 0;
        double lossSum = 0;
        int n = (int)x.shape[0];
        using (torch.no_grad())
            for (int start = 0; start < n; start += 1000)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(1000, n - start);
                var logits = model.forward(x.narrow(0, start, count));
                var labels = y.narrow(0, start, count);
                lossSum += nn.functional.cross_entropy(logits, labels).item<float>() * count;
                correct += logits.argmax(1).eq(labels).sum().item<long>();
            }
        return ((double)correct / n, lossSum / n);
    }
}
