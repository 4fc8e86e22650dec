using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Compression;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp prune MODEL --sparsity 0.9 --epochs 2 --out DIR [--scope layer|global] [--data-dir DIR]</c>:
/// magnitude pruning of an MNIST model file while it is fine-tuned on MNIST's training images. The
/// sparsity rises from 0 to the target along tfmot's PolynomialDecay (power 3) over the run's steps,
/// masks updated every max(1, min(100, steps/10)) steps, the last update on the target; then the masks
/// are stripped and DIR/model.safetensors written: an ordinary model file whose kernels hold the zeros.
/// Prints test loss and accuracy before and after, and each layer's sparsity.
/// </summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var sparsity = new Option<float>("--sparsity") { Description = "Fraction of each layer's kernel weights set to zero, in [0, 1).", DefaultValueFactory = _ => 0.9f };
        sparsity.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && float.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float s) && !(s is >= 0f and < 1f))
                r.AddError("--sparsity must be in [0, 1).");
        });
        var epochs = CommonOptions.Positive("--epochs", "Fine-tuning epochs over MNIST's training images.", 2);
        var scope = new Option<string>("--scope") { Description = "layer: each layer reaches the sparsity; global: one threshold over all kernels.", DefaultValueFactory = _ => "layer" };
        scope.AcceptOnlyFromAmong("layer", "global");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the pruned model.safetensors.", Required = true };
        var batchSize = CommonOptions.Positive("--batch-size", "Samples per batch.", 128);
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var seed = CommonOptions.Seed();
        var command = new Command("prune", "Magnitude pruning of an MNIST model during fine-tuning (sparsity schedule, masks held by the optimizer), written as an ordinary model file.")
        {
            model, sparsity, epochs, scope, output, batchSize, dataDir, threads, seed,
        };
        command.SetAction(r => Run(r.GetValue(model)!, r.GetValue(sparsity), r.GetValue(epochs), r.GetValue(scope) == "global" ? PruningScope.Global : PruningScope.Layer,
            r.GetValue(output)!, r.GetValue(batchSize), r.GetValue(dataDir)?.FullName, r.GetValue(threads), r.GetValue(seed)));
        return command;
    }

    private static int Run(FileInfo file, float sparsity, int epochs, PruningScope scope, DirectoryInfo output, int batchSize, string? dataDir, int threads, long seed)
    {
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);
        var model = ModelArguments.Load(file);
        var inputShape = model.Layers[0].BuiltInputShape;
        if (inputShape != new Shape(28, 28, 1))
            throw new DeepSharpException($"Model '{file.Name}' takes inputs {inputShape?.ToBatchString() ?? "(unknown)"}; prune fine-tunes on MNIST images (None, 28, 28, 1).");
        Directory.CreateDirectory(output.FullName);
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(dataDir);
        var trainTargets = DataUtils.ToCategorical(yTrain, 10);
        var testTargets = DataUtils.ToCategorical(yTest, 10);
        model.Compile(new Adam(), new CategoricalCrossentropy(fromLogits: !ModelArguments.OutputsProbabilities(model)), [new CategoricalAccuracy()]);
        var before = model.Evaluate(xTest, testTargets, batchSize);

        long steps = (long)epochs * ((xTrain.Shape[0] + batchSize - 1) / batchSize);
        int frequency = (int)Math.Clamp(steps / 10, 1, 100);
        long end = (steps - 1) / frequency * frequency;
        PruningSchedule schedule = end == 0
            ? new ConstantSparsity(sparsity, 0, endStep: 0, frequency: 1)
            : new PolynomialDecaySparsity(0f, sparsity, 0, end, frequency: frequency);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Pruning {file.Name} to {sparsity:P0} ({scope.ToString().ToLowerInvariant()} scope) over {epochs} epoch{(epochs == 1 ? "" : "s")} ({steps} steps, masks updated every {frequency}), Adam 1e-3, batch {batchSize}."));
        var callbacks = new List<Callback> { new PruningCallback(schedule, scope) };
        var clock = Stopwatch.StartNew();
        var history = TrainingInterrupt.Fit(token => model.Fit(xTrain, trainTargets, batchSize, epochs, callbacks: callbacks, cancellationToken: token), callbacks);
        if (history is null) return TrainingInterrupt.ExitCode;
        Pruning.StripPruning(model);
        var after = model.Evaluate(xTest, testTargets, batchSize);

        foreach (var (layer, s) in Pruning.Sparsity(model))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {TerminalText.Escape(layer)}: {100 * s:F2} % of its kernel weights are zero"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy: {before["categorical_accuracy"]:F4} before, {after["categorical_accuracy"]:F4} after pruning (loss {before["loss"]:F4} → {after["loss"]:F4}; {clock.Elapsed.TotalSeconds:F1}s fine-tuning)."));
        string path = Path.Combine(output.FullName, "model.safetensors");
        model.Save(path);
        Console.WriteLine($"Wrote {path}.");
        return 0;
    }
}
