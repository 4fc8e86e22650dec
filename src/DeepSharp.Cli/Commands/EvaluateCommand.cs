using System.CommandLine;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp evaluate MODEL</c>: loss and accuracy of a model file on the MNIST test set.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var dataDir = CommonOptions.DataDir();
        var batchSize = CommonOptions.Positive("--batch-size", "Samples per batch.", 128);
        var threads = CommonOptions.Threads();
        var command = new Command("evaluate", "Loss and accuracy of a model file on the MNIST test set.") { model, dataDir, batchSize, threads };
        command.SetAction(result => Run(result.GetValue(model)!, result.GetValue(dataDir), result.GetValue(batchSize), result.GetValue(threads)));
        return command;
    }

    private static int Run(FileInfo file, DirectoryInfo? dataDir, int batchSize, int threads)
    {
        DeepSharp.Threads.Count = threads;
        var model = ModelArguments.Load(file);
        var (_, (xTest, yTest)) = Mnist.Load(dataDir?.FullName);
        var inputShape = model.Layers[0].BuiltInputShape!.Value;
        if (inputShape != xTest.Shape.WithoutBatch())
            throw new DeepSharpException($"Model '{file.Name}' takes inputs {inputShape.ToBatchString()}, MNIST images are {xTest.Shape.WithoutBatch().ToBatchString()}.");
        int classes = model.Predict(xTest.SliceRows(0, Math.Min(1, xTest.Shape[0]))).Shape[-1];
        if (classes != MnistNormalized.Classes)
            throw new DeepSharpException($"Model '{file.Name}' has {classes} outputs; MNIST needs {MnistNormalized.Classes}.");

        model.Compile(new Adam(), new CategoricalCrossentropy(fromLogits: !ModelArguments.OutputsProbabilities(model)), [new Accuracy()]);
        var logs = model.Evaluate(xTest, DataUtils.ToCategorical(yTest, classes), batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{xTest.Shape[0]} test images - loss: {logs["loss"]:F4} - accuracy: {logs["accuracy"]:F4}"));
        return 0;
    }
}
