using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Bench.Models;

/// <summary>The seed model and MNIST as DeepSharp tensors, held by the DeepSharp worker.</summary>
internal sealed class DeepSharpSide
{
    public const int BatchSize = 128;

    private DeepSharpSide(Sequential model, Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest, Tensor yTestLabels)
    {
        Model = model;
        (XTrain, YTrain, XTest, YTest, YTestLabels) = (xTrain, yTrain, xTest, yTest, yTestLabels);
    }

    public Sequential Model { get; }
    public Tensor XTrain { get; }   // (60000, 28, 28, 1) in [0, 1]
    public Tensor YTrain { get; }   // (60000, 10) one-hot
    public Tensor XTest { get; }    // (10000, 28, 28, 1)
    public Tensor YTest { get; }    // (10000, 10) one-hot
    public Tensor YTestLabels { get; }   // (10000,) int

    /// <summary>The current model exported to ONNX Runtime, created on first use (after training, if any).</summary>
    public OnnxRuntimeSide OnnxRuntime => _onnxRuntime ??= new OnnxRuntimeSide(Model, XTest, Threads.Count);
    private OnnxRuntimeSide? _onnxRuntime;

    public static DeepSharpSide Create(int seed, int threads)
    {
        Threads.Count = threads;
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();
        var model = BuildSeedModel(seed);
        return new DeepSharpSide(model, xTrain, DataUtils.ToCategorical(yTrain, 10), xTest, DataUtils.ToCategorical(yTest, 10), yTest);
    }

    /// <summary>
    /// The seed CNN, built and compiled: Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Flatten →
    /// Dense(128, relu) → Dense(10, softmax); glorot-uniform kernels, zero biases; Adam(1e-3, .9, .999, 1e-7).
    /// </summary>
    public static Sequential BuildSeedModel(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, Activation.Relu),
            new Dense(10, Activation.Softmax));
        model.Compile(optimizer: new Adam(1e-3f, 0.9f, 0.999f, 1e-7f), loss: new CategoricalCrossentropy(), metrics: [new Accuracy()]);
        return model;
    }
}
