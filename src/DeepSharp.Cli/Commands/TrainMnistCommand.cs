using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train mnist</c>: the seed's example exactly — its CNN, Adam, categorical
/// cross-entropy, batch 128, 10 epochs, the test set as validation data.
/// </summary>
internal static class TrainMnistCommand
{
    public static Command Create()
    {
        var epochs = CommonOptions.Positive("--epochs", "Passes over the training set.", 10);
        var batchSize = CommonOptions.Positive("--batch-size", "Samples per gradient step.", 128);
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var dataDir = CommonOptions.DataDir();
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "Folder to write the trained model (model.safetensors) and its history (history.json) into.",
        };
        var command = new Command("mnist", "Train the seed CNN on MNIST (Conv2D 32 → MaxPool → Dense 128 → Dense 10, Adam).")
        {
            epochs, batchSize, seed, threads, dataDir, output,
        };
        var checkpoints = new CheckpointOptions();
        checkpoints.AddTo(command);
        command.SetAction(result => Run(
            result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(seed),
            result.GetValue(threads), result.GetValue(dataDir), result.GetValue(output), checkpoints.Callbacks(result)));
        return command;
    }

    private static int Run(int epochs, int batchSize, long seed, int threads, DirectoryInfo? dataDir, DirectoryInfo? output, List<Callback> callbacks)
    {
        // Fail on an unusable output folder before training, not after.
        if (output is not null) Directory.CreateDirectory(output.FullName);
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);

        var clock = Stopwatch.StartNew();
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(dataDir?.FullName);
        Console.WriteLine($"MNIST: {xTrain.Shape[0]} training and {xTest.Shape[0]} test images, loaded in {clock.Elapsed.TotalSeconds:F1}s.");

        var model = SeedModel();
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        model.Summary();
        Console.WriteLine($"Training: batch {batchSize}, {epochs} epoch{(epochs == 1 ? "" : "s")}, Adam, categorical cross-entropy, {threads} threads, seed {seed}.");

        var trainTargets = DataUtils.ToCategorical(yTrain, 10);
        var testTargets = DataUtils.ToCategorical(yTest, 10);
        clock.Restart();
        var history = model.Fit(xTrain, trainTargets, batchSize, epochs, validationData: (xTest, testTargets), callbacks: callbacks);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var test = model.Evaluate(xTest, testTargets, batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test loss: {test["loss"]:F4} - Test accuracy: {test["accuracy"]:F4} ({trainSeconds:F1}s training, {trainSeconds / Math.Max(1, epochs):F1}s per epoch)"));
        if (output is not null)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors");
            string historyPath = Path.Combine(output.FullName, "history.json");
            model.Save(modelPath);
            history.Save(historyPath);
            Console.WriteLine($"Wrote {modelPath} and {historyPath}.");
        }
        return 0;
    }

    /// <summary>The seed's model, layer for layer.</summary>
    internal static Sequential SeedModel() => new(
        new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(128, Activation.Relu),
        new Dense(10, Activation.Softmax));
}
