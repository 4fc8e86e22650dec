using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp distill TEACHER --student mlp --out DIR [--units 32] [--epochs 3] [--temperature 10] [--alpha 0.1]</c>:
/// Keras's knowledge distillation on MNIST. The student (mlp: Flatten → Dense UNITS ReLU → Dense 10)
/// learns from the teacher model file's logits (a teacher ending in softmax is read up to its logits)
/// and the labels; prints the teacher's and the student's test accuracy and writes DIR/model.safetensors
/// (the student, ending in softmax as the other MNIST models do).
/// </summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var teacher = ModelArguments.Model();
        var student = new Option<string>("--student") { Description = "The student: mlp (Flatten → Dense UNITS ReLU → Dense 10).", DefaultValueFactory = _ => "mlp" };
        student.AcceptOnlyFromAmong("mlp");
        var units = CommonOptions.Positive("--units", "Hidden units of the mlp student.", 32);
        var epochs = CommonOptions.Positive("--epochs", "Training epochs of the student.", 3);
        var temperature = new Option<float>("--temperature") { Description = "Softmax temperature of the distillation term (> 0).", DefaultValueFactory = _ => 10f };
        var alpha = new Option<float>("--alpha") { Description = "Weight of the student's own loss, in [0, 1]; the distillation term gets 1 − alpha.", DefaultValueFactory = _ => 0.1f };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the student's model.safetensors.", Required = true };
        var batchSize = CommonOptions.Positive("--batch-size", "Samples per batch.", 128);
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var seed = CommonOptions.Seed();
        var command = new Command("distill", "Knowledge distillation on MNIST: a small student trained on a teacher model's logits and the labels.")
        {
            teacher, student, units, epochs, temperature, alpha, output, batchSize, dataDir, threads, seed,
        };
        command.SetAction(r => Run(r.GetValue(teacher)!, r.GetValue(units), r.GetValue(epochs), r.GetValue(temperature), r.GetValue(alpha),
            r.GetValue(output)!, r.GetValue(batchSize), r.GetValue(dataDir)?.FullName, r.GetValue(threads), r.GetValue(seed)));
        return command;
    }

    private static int Run(FileInfo file, int units, int epochs, float temperature, float alpha, DirectoryInfo output, int batchSize, string? dataDir, int threads, long seed)
    {
        DeepSharp.Threads.Count = threads;
        RandomGenerator.SetGlobalSeed(seed);
        var loaded = ModelArguments.Load(file);
        if (loaded.Layers[0].BuiltInputShape != new Shape(28, 28, 1))
            throw new DeepSharpException($"Model '{file.Name}' takes inputs {loaded.Layers[0].BuiltInputShape?.ToBatchString() ?? "(unknown)"}; distill trains on MNIST images (None, 28, 28, 1).");
        var teacher = ModelArguments.OutputsProbabilities(loaded) ? Logits(loaded) : loaded;
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load(dataDir);
        var student = new Sequential(new Flatten(inputShape: [28, 28, 1]), new Dense(units, Activation.Relu), new Dense(10));
        var distiller = new Distiller(teacher, student, temperature, alpha);
        distiller.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        teacher.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        long teacherParams = teacher.Parameters.Sum(p => (long)p.Value.Size), studentParams = student.Parameters.Sum(p => (long)p.Value.Size);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Distilling {file.Name} ({teacherParams:N0} parameters) into an mlp of {units} hidden units ({studentParams:N0} parameters, {(double)studentParams / teacherParams:F3}x): T = {temperature}, alpha = {alpha}, {epochs} epochs, Adam, batch {batchSize}."));
        var clock = Stopwatch.StartNew();
        distiller.Fit(xTrain, yTrain, batchSize, epochs, verbose: 0);
        var teacherScores = teacher.Evaluate(xTest, yTest, 256);
        var studentScores = distiller.Evaluate(xTest, yTest, 256);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy: teacher {teacherScores["sparse_categorical_accuracy"]:F4}, student {studentScores["sparse_categorical_accuracy"]:F4} ({clock.Elapsed.TotalSeconds:F1}s)."));
        Directory.CreateDirectory(output.FullName);
        var saved = new Sequential(student.Layers.Select(LayerRegistry.Clone).Append(new ActivationLayer(Activation.Softmax)), "student");
        saved.Build(new Shape(28, 28, 1));
        var from = student.Parameters.ToArray();
        var to = saved.Parameters.ToArray();
        for (int i = 0; i < from.Length; i++) from[i].Value.Span.CopyTo(to[i].Value.Span);
        string path = Path.Combine(output.FullName, "model.safetensors");
        saved.Save(path);
        Console.WriteLine($"Wrote {path}.");
        return 0;
    }

    /// <summary>The teacher without its final softmax: the same layers, the last one linear, the same weights.</summary>
    private static Sequential Logits(Model model)
    {
        var layers = model.Layers.Select(LayerRegistry.Clone).ToList();
        var config = model.Layers[^1].GetConfig();
        config["activation"] = "linear";
        layers[^1] = LayerRegistry.Create(model.Layers[^1].TypeName, config);
        var logits = new Sequential(layers, model.Name);
        logits.Build(model.Layers[0].BuiltInputShape!.Value);
        var from = model.Parameters.ToArray();
        var to = logits.Parameters.ToArray();
        for (int i = 0; i < from.Length; i++) from[i].Value.Span.CopyTo(to[i].Value.Span);
        return logits;
    }
}
