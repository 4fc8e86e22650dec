using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DsTensor = DeepSharp.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Models;

/// <summary>
/// The seed model in TorchSharp (libtorch), with the same initial weights as DeepSharp's: the
/// DeepSharp model is built with the same seed and its weights are copied across, converted from
/// Keras layouts (HWIO kernels, (in, out) dense kernels, NHWC flatten order) to torch's (OIHW,
/// (out, in), NCHW flatten order), so both networks compute the same function at step 0.
/// Torch's loss is cross_entropy on logits, the fused equivalent of softmax + categorical cross-entropy.
/// </summary>
internal sealed class TorchSide
{
    public const int BatchSize = 128;

    private TorchSide(nn.Module<TorchTensor, TorchTensor> model, optim.Optimizer optimizer,
        TorchTensor xTrain, TorchTensor yTrain, TorchTensor xTest, TorchTensor yTest, RandomGenerator shuffle, string initCheck)
    {
        Model = model;
        Optimizer = optimizer;
        (XTrain, YTrain, XTest, YTest, Shuffle, InitCheck) = (xTrain, yTrain, xTest, yTest, shuffle, initCheck);
    }

    public nn.Module<TorchTensor, TorchTensor> Model { get; }
    public optim.Optimizer Optimizer { get; }
    public TorchTensor XTrain { get; }   // (60000, 1, 28, 28): with one channel NHWC and NCHW share a layout
    public TorchTensor YTrain { get; }   // (60000,) int64
    public TorchTensor XTest { get; }    // (10000, 1, 28, 28)
    public TorchTensor YTest { get; }    // (10000,) int64
    public RandomGenerator Shuffle { get; }
    public int TrainCount => (int)XTrain.shape[0];

    /// <summary>Largest |difference| of the two models' softmax outputs on 64 test images at step 0.</summary>
    public string InitCheck { get; }

    public static TorchSide Create(int seed, int threads)
    {
        torch.set_num_threads(threads);
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();
        var reference = DeepSharpSide.BuildSeedModel(seed);
        var shuffle = RandomGenerator.Global.Fork();

        var conv = nn.Conv2d(1, 32, 3);
        var fc1 = nn.Linear(13 * 13 * 32, 128);
        var fc2 = nn.Linear(128, 10);
        var model = nn.Sequential(
            ("conv", conv), ("relu1", nn.ReLU()), ("pool", nn.MaxPool2d(2)), ("flatten", nn.Flatten()),
            ("fc1", fc1), ("relu2", nn.ReLU()), ("fc2", fc2));
        var p = reference.Parameters.ToArray();   // conv kernel, conv bias, dense kernel, dense bias, dense_1 kernel, dense_1 bias
        using (torch.no_grad())
        {
            conv.weight!.copy_(FromArray(Layouts.ConvKernelToOihw(p[0].Value), 32, 1, 3, 3));
            conv.bias!.copy_(FromArray(p[1].Value.ToArray(), 32));
            fc1.weight!.copy_(FromArray(Layouts.DenseKernelNhwcToNchw(p[2].Value, 13, 13, 32), 128, 13 * 13 * 32));
            fc1.bias!.copy_(FromArray(p[3].Value.ToArray(), 128));
            fc2.weight!.copy_(FromArray(Layouts.Transpose(p[4].Value.ToArray(), 128, 10), 10, 128));
            fc2.bias!.copy_(FromArray(p[5].Value.ToArray(), 10));
        }
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7);

        var side = new TorchSide(model, optimizer,
            FromArray(xTrain.ToArray(), xTrain.Shape[0], 1, 28, 28), torch.tensor(ToLong(yTrain.ToIntArray())),
            FromArray(xTest.ToArray(), xTest.Shape[0], 1, 28, 28), torch.tensor(ToLong(yTest.ToIntArray())),
            shuffle, CompareOutputs(reference, model, xTest));
        return side;
    }

    /// <summary>
    /// One epoch (or its first <paramref name="maxSteps"/> steps when positive) over a fresh shuffle,
    /// as Keras's fit: forward, loss, backward, Adam step, running loss and accuracy.
    /// <paramref name="onStep"/> is called before each step with its index and after the last with -1.
    /// </summary>
    public (int Steps, double Loss, double Accuracy) TrainEpoch(int maxSteps, Action<int>? onStep)
    {
        Model.train();
        int n = TrainCount;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Shuffle.Shuffle(order);
        using var perm = torch.tensor(Array.ConvertAll(order, v => (long)v));
        int steps = (n + BatchSize - 1) / BatchSize;
        if (maxSteps > 0) steps = Math.Min(steps, maxSteps);
        double lossSum = 0;
        long correct = 0, seen = 0;
        for (int step = 0; step < steps; step++)
        {
            onStep?.Invoke(step);
            using var scope = torch.NewDisposeScope();
            int start = step * BatchSize, count = Math.Min(BatchSize, n - start);
            var index = perm.narrow(0, start, count);
            var xb = XTrain.index_select(0, index);
            var yb = YTrain.index_select(0, index);
            Optimizer.zero_grad();
            var logits = Model.forward(xb);
            var loss = nn.functional.cross_entropy(logits, yb);
            loss.backward();
            Optimizer.step();
            lossSum += loss.item<float>() * count;
            correct += logits.argmax(1).eq(yb).sum().item<long>();
            seen += count;
        }
        onStep?.Invoke(-1);
        return (steps, lossSum / seen, (double)correct / seen);
    }

    private static string CompareOutputs(DeepSharp.Training.Sequential reference, nn.Module<TorchTensor, TorchTensor> model, DsTensor xTest)
    {
        var x = xTest.SliceRows(0, 64);
        var expected = reference.Predict(x, 64).ToArray();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var actual = nn.functional.softmax(model.forward(FromArray(x.ToArray(), 64, 1, 28, 28)), 1).data<float>().ToArray();
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return $"same initial weights: max |softmax difference| on 64 test images = {max:E1}";
    }

    private static TorchTensor FromArray(float[] data, params long[] shape) => torch.tensor(data, shape);

    private static long[] ToLong(int[] values) => Array.ConvertAll(values, v => (long)v);
}
