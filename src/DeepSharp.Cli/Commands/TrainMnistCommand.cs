using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train mnist [--model seed|mlp|convnet|convnet-aug] [--optimizer NAME] [--learning-rate LR]
/// [--gradient-accumulation N]</c>: trains one of <see cref="MnistPresets"/> with categorical cross-entropy and the
/// preset's optimizer (or the one named, see <see cref="OptimizerOptions"/>), batch size and epochs. The default, <c>seed</c>, is the seed's example exactly — its CNN, Adam, batch 128,
/// 10 epochs, the test set as validation data.
/// </summary>
internal static class TrainMnistCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--model")
        {
            Description = "The model: seed (default), mlp, convnet (Keras's mnist_convnet) or convnet-aug (BatchNorm and augmentation).",
            DefaultValueFactory = _ => MnistPresets.Default,
        };
        preset.AcceptOnlyFromAmong([.. MnistPresets.Names]);
        var epochs = CommonOptions.OptionalPositive("--epochs", "Passes over the training set (default: the model's own, 10 for seed).");
        var batchSize = CommonOptions.OptionalPositive("--batch-size", "Samples per gradient step (default: the model's own, 128 for seed).");
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var dataDir = CommonOptions.DataDir();
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "Folder to write the trained model (model.safetensors), its history (history.json) and the pictures of training into.",
        };
        var command = new Command("mnist", "Train a CNN on MNIST (default: the seed's Conv2D 32 → MaxPool → Dense 128 → Dense 10, Adam).")
        {
            preset, epochs, batchSize, seed, threads, dataDir, output,
        };
        var optimizer = new OptimizerOptions();
        optimizer.AddTo(command);
        var checkpoints = new CheckpointOptions();
        checkpoints.AddTo(command);
        var federated = new FederatedMnistOptions();
        federated.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetValue(federated.Federated) && optimizer.Given(result) is { } given)
                result.AddError($"{given} is for centralized training; with --federated the clients train with SGD at --lr and the server optimizer is --server.");
            else if (!result.GetValue(federated.Federated) && federated.GivenOption(result) is { } federatedOnly)
                result.AddError(federatedOnly == "--lr"
                    ? "--lr is the clients' rate of --federated training; the learning rate of this training is --learning-rate."
                    : $"{federatedOnly} is for --federated training; add --federated, or leave it out.");
        });
        command.SetAction(result => result.GetValue(federated.Federated)
            ? FederatedMnistCommand.Run(federated, checkpoints, result, result.GetValue(seed), result.GetValue(threads), result.GetValue(dataDir), result.GetValue(output))
            : Run(
            MnistPresets.Get(result.GetValue(preset)!), result.GetValue(epochs), result.GetValue(batchSize), result.GetValue(seed),
            result.GetValue(threads), result.GetValue(dataDir), result.GetValue(output), optimizer, result,
            settings => checkpoints.Callbacks(result, settings, result.GetValue(output))));
        return command;
    }

    private static int Run(MnistPreset preset, int? epochsGiven, int? batchGiven, long seed, int threads, DirectoryInfo? dataDir, DirectoryInfo? output,
        OptimizerOptions optimizerOptions, ParseResult parsed, Func<IReadOnlyDictionary<string, string>, List<Callback>> makeCallbacks)
    {
        int epochs = epochsGiven ?? preset.Epochs;
        int batchSize = batchGiven ?? preset.BatchSize;
        // What a resumed run must share with the one that wrote the checkpoint, beside what Fit checks itself (batch size, ...).
        var runSettings = new Dictionary<string, string>
        {
            ["command"] = "train mnist",
            ["--model"] = preset.Name,
            ["--seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["--epochs"] = epochs.ToString(CultureInfo.InvariantCulture),
            ["--data-dir"] = dataDir is not null ? Path.TrimEndingDirectorySeparator(dataDir.FullName) : $"(the cache, {MnistLocator.Spec.PackageSpec})",
        };
        optimizerOptions.AddRunSettings(parsed, runSettings);
        var callbacks = RunPictures.WithCurves(CliDistributed.CheckpointCallbacks(makeCallbacks(runSettings)), output);
        // Fail on an unusable output folder before training, not after.
        if (output is not null) Directory.CreateDirectory(output.FullName);
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);

        var clock = Stopwatch.StartNew();
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(dataDir?.FullName);
        Console.WriteLine($"MNIST: {xTrain.Shape[0]} training and {xTest.Shape[0]} test images, loaded in {clock.Elapsed.TotalSeconds:F1}s.");

        var model = preset.Build();
        int trainSamples = xTrain.Shape[0] - (int)(xTrain.Shape[0] * preset.ValidationSplit);
        int updates = epochs * ((trainSamples + batchSize - 1) / batchSize) / optimizerOptions.AccumulationSteps(parsed);
        var optimizer = optimizerOptions.Create(parsed, rate => preset.Optimizer(updates, rate));
        model.Compile(optimizer, new CategoricalCrossentropy(), [new Accuracy()]);
        CliDistributed.Distribute(model);
        model.Summary();
        string validation = preset.ValidationSplit > 0 ? $"validation split {preset.ValidationSplit}" : "test set as validation";
        Console.WriteLine($"Training {preset.Name}: batch {batchSize}, {epochs} epoch{(epochs == 1 ? "" : "s")}, {OptimizerOptions.Describe(optimizer, preset.OptimizerName, parsed.GetValue(optimizerOptions.Name) is not null)}, categorical cross-entropy, {validation}, {threads} threads, seed {seed}.{CliDistributed.Describe()}");

        var trainTargets = DataUtils.ToCategorical(yTrain, 10);
        var testTargets = DataUtils.ToCategorical(yTest, 10);
        clock.Restart();
        var history = TrainingInterrupt.Fit(token => preset.ValidationSplit > 0
            ? model.Fit(xTrain, trainTargets, batchSize, epochs, validationSplit: preset.ValidationSplit, callbacks: callbacks, cancellationToken: token)
            : model.Fit(xTrain, trainTargets, batchSize, epochs, validationData: (xTest, testTargets), callbacks: callbacks, cancellationToken: token),
            callbacks);
        if (history is null) return TrainingInterrupt.ExitCode;
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var test = model.Evaluate(xTest, testTargets, batchSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test loss: {test["loss"]:F4} - Test accuracy: {test["accuracy"]:F4} ({trainSeconds:F1}s training, {trainSeconds / Math.Max(1, epochs):F1}s per epoch)"));
        if (output is not null && CliDistributed.IsChief)
        {
            string modelPath = Path.Combine(output.FullName, "model.safetensors");
            string historyPath = Path.Combine(output.FullName, "history.json");
            model.Save(modelPath);
            history.Save(historyPath);
            Console.WriteLine($"Wrote {modelPath} and {historyPath}.");
            RunPictures.Report(output.FullName, [.. RunPictures.Curves(history, output.FullName),
                .. RunPictures.Images(model, xTest, yTest, RunPictures.MnistClasses, output.FullName, batchSize)]);
        }
        return 0;
    }
}
