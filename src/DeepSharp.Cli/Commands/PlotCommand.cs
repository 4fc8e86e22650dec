using System.CommandLine;
using DeepSharp.Data.Datasets;
using DeepSharp.Plots;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp plot RUN [--out DIR]</c>: redraws a run folder's pictures from its history.json, and, when
/// model.safetensors is there and the test set can be loaded, its confusion matrix and misclassified images
/// (or worst-predicted texts). <c>deepsharp plot RUN1 RUN2 ...</c> overlays the runs' curves, one picture
/// per metric with a legend named by run folder.
/// </summary>
internal static class PlotCommand
{
    /// <summary>Where the pictures of several runs go when --out is not given (in the current folder).</summary>
    public const string DefaultComparisonFolder = "comparison";

    public static Command Create()
    {
        var runs = new Argument<DirectoryInfo[]>("RUN")
        {
            Description = "Run folders (the --out of deepsharp train), each holding history.json. Several: their curves overlaid.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = $"Folder for the pictures (default: the run folder; for several runs, ./{DefaultComparisonFolder}).",
        };
        var data = new Option<string?>("--data") { Description = "The test set of the model's pictures: mnist, names or spam (default: from the model's input)." };
        data.AcceptOnlyFromAmong(EvaluateCommand.DataSets);
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("plot", "Draw a run's training curves, confusion matrix and misclassified samples as PNG; overlay several runs.")
        {
            runs, output, data, dataDir, threads,
        };
        command.SetAction(result => Run(result.GetValue(runs)!, result.GetValue(output), result.GetValue(data), result.GetValue(dataDir)?.FullName, result.GetValue(threads)));
        return command;
    }

    private static int Run(DirectoryInfo[] runs, DirectoryInfo? output, string? data, string? dataDir, int threads)
    {
        DeepSharp.Threads.Count = threads;
        var named = RunNames(runs);
        var curves = runs.Select(r => TrainingCurves.Load(HistoryPath(r))).ToList();
        if (runs.Length > 1)
        {
            string folder = output?.FullName ?? Path.GetFullPath(DefaultComparisonFolder);
            var written = CurvePlot.SaveComparison(named.Zip(curves, (name, c) => new CurvePlot.Run(name, c)).ToList(), folder);
            RunPictures.Report(folder, written);
            return 0;
        }
        string target = output?.FullName ?? runs[0].FullName;
        var paths = CurvePlot.SaveAll(curves[0], target).ToList();
        string model = Path.Combine(runs[0].FullName, "model.safetensors");
        if (File.Exists(model))
        {
            try
            {
                paths.AddRange(TestSetPictures(new FileInfo(model), data, dataDir, target));
            }
            catch (DatasetUnavailableException e)
            {
                // The curves stand on their own; say why the test-set pictures are missing and how to get them.
                Console.Error.WriteLine($"deepsharp: note: no test-set pictures: {TerminalText.Escape(e.Message.ReplaceLineEndings(" "))}");
            }
        }
        RunPictures.Report(target, paths);
        return 0;
    }

    /// <summary>The run folders' names for the legend: the folder name, with its parent's where two would read the same.</summary>
    private static List<string> RunNames(DirectoryInfo[] runs)
    {
        var names = runs.Select(r => r.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() < names.Count)
            names = runs.Select(r => Path.Combine(r.Parent?.Name ?? "", r.Name)).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() < names.Count)
            names = runs.Select(r => Path.TrimEndingDirectorySeparator(r.FullName)).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() < names.Count)
            throw new ArgumentException("A run folder is named twice; give each run once.");
        return names;
    }

    private static string HistoryPath(DirectoryInfo run)
    {
        if (!run.Exists) throw new FileAccessException(run.FullName, $"Run folder '{run.FullName}' does not exist.");
        string path = Path.Combine(run.FullName, RunPictures.HistoryFileName);
        if (!File.Exists(path))
            throw new FileAccessException(path, $"Run folder '{run.FullName}' has no {RunPictures.HistoryFileName} (deepsharp train --out DIR writes one).");
        return path;
    }

    /// <summary>The model's pictures on the test set it was trained for, loaded as evaluate loads it.</summary>
    private static List<string> TestSetPictures(FileInfo file, string? data, string? dataDir, string folder)
    {
        var model = ModelArguments.Load(file);
        var inputShape = model.Layers[0].BuiltInputShape
            ?? throw new DeepSharpException($"Model '{file.FullName}' has no input shape; its test-set pictures need a built model.");
        return (data ?? EvaluateCommand.Infer(inputShape)) switch
        {
            "names" => NamesPictures(model, file, dataDir, folder),
            "spam" => SpamPictures(model, dataDir, folder),
            _ => MnistPictures(model, file, inputShape, dataDir, folder),
        };
    }

    private static List<string> NamesPictures(Model model, FileInfo file, string? dataDir, string folder)
    {
        var (split, rebuilt) = NamesPresets.Data(dataDir);
        string beside = Path.Combine(file.DirectoryName!, "vocabulary.json");
        var vocabulary = File.Exists(beside) ? CharVocabulary.Load(beside) : rebuilt;
        return RunPictures.Names(model, new CharLanguageModelData(vocabulary, NamesPresets.Context), split.Test, folder);
    }

    private static List<string> SpamPictures(Model model, string? dataDir, string folder)
    {
        var (split, vectorizer) = SpamPresets.Data(dataDir);
        var (x, y) = SpamPresets.Encode(vectorizer, split.Test);
        return RunPictures.Spam(model, split.Test, x, y, folder, 128);
    }

    private static List<string> MnistPictures(Model model, FileInfo file, Shape inputShape, string? dataDir, string folder)
    {
        var (_, (x, y)) = Mnist.Load(dataDir);
        if (inputShape != x.Shape.WithoutBatch())
            throw new DeepSharpException($"Model '{file.FullName}' takes inputs {inputShape.ToBatchString()}; MNIST images are {x.Shape.WithoutBatch().ToBatchString()} (give --data).");
        return RunPictures.Images(model, x, y, RunPictures.MnistClasses, folder, 128);
    }
}
