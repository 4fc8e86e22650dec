using System.Diagnostics;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// A small MNIST CNN trained once per test run (300 steps of 64 images, a few seconds), saved to a
/// model file for the tests that start a real <c>deepsharp serve</c> process; with a few test images.
/// </summary>
internal static class TrainedMnist
{
    private static readonly Lazy<(Model Model, string File, Tensor TestX, int[] TestY)> Trained = new(Train);

    public static Model Model => Trained.Value.Model;

    /// <summary>The model's file (in a temporary folder of this test run).</summary>
    public static string File => Trained.Value.File;

    /// <summary>The first 200 MNIST test images (200, 28, 28, 1) in [0, 1].</summary>
    public static Tensor TestImages => Trained.Value.TestX;

    /// <summary>Their labels.</summary>
    public static int[] TestLabels => Trained.Value.TestY;

    private static (Model, string, Tensor, int[]) Train()
    {
        var clock = Stopwatch.StartNew();
        var ((x, y), (testX, testY)) = Mnist.Load();
        RandomGenerator.SetGlobalSeed(17);
        var model = new Sequential(
            new Conv2D(16, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(64, Activation.Relu),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(2e-3f), new SparseCategoricalCrossentropy(), [new Accuracy()]);
        model.Fit(x.SliceRows(0, 19200), y.SliceRows(0, 19200), batchSize: 64, epochs: 1, verbose: 0);
        string folder = Directory.CreateTempSubdirectory("deepsharp-serving-tests-").FullName;
        string file = Path.Combine(folder, "mnist.safetensors");
        model.Save(file);
        Console.WriteLine($"TrainedMnist: 300 steps in {clock.Elapsed.TotalSeconds:F1} s, saved to {file}");
        return (model, file, Tensor.FromArray(testX.SliceRows(0, 200).ToArray(), 200, 28, 28, 1), testY.SliceRows(0, 200).ToIntArray());
    }

    /// <summary>One test image's values (784).</summary>
    public static float[] Image(int index) => TestImages.SliceRows(index, 1).ToArray();
}
