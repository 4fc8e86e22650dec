using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Compression;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp quantize MODEL --calibration 1000 --out FILE [--method minmax|percentile|mse|entropy] [--data-dir DIR]</c>:
/// post-training int8 quantization of an MNIST model file, calibrated on the first N training
/// images. Prints which layers compute in int8, the test accuracy of the float and the int8 model,
/// both files' sizes and both models' Predict speed at batch 256 and batch 1, then writes FILE.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var calibration = CommonOptions.Positive("--calibration", "Training images the activation ranges are calibrated on.", 1000);
        var method = new Option<string>("--method") { Description = "Calibration: minmax, percentile (99.99 %), mse or entropy (KL divergence, as TensorRT).", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "mse", "entropy");
        var output = new Option<FileInfo>("--out") { Description = "The int8 model file to write (safetensors).", Required = true };
        var speedRounds = CommonOptions.Positive("--rounds", "Timed rounds of each speed measurement (the median is printed).", 3);
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("quantize", "Post-training int8 quantization of an MNIST model: int8 kernels, accuracy, size and speed against the float model.")
        {
            model, calibration, method, output, speedRounds, dataDir, threads,
        };
        command.SetAction(r => Run(r.GetValue(model)!, r.GetValue(calibration), r.GetValue(method)!, r.GetValue(output)!, r.GetValue(speedRounds),
            r.GetValue(dataDir)?.FullName, r.GetValue(threads)));
        return command;
    }

    /// <summary>
    /// The size of the float model's file without its optimizer's state (which a trained model's file keeps, as the
    /// int8 file does not), so the two sizes compare the models themselves.
    /// </summary>
    private static long FloatFileBytes(Model model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-float-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path, includeOptimizer: false);
            return new FileInfo(path).Length;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Run(FileInfo file, int calibration, string method, FileInfo output, int rounds, string? dataDir, int threads)
    {
        DeepSharp.Threads.Count = threads;
        var model = ModelArguments.Load(file);
        var inputShape = model.Layers[0].BuiltInputShape;
        if (inputShape != new Shape(28, 28, 1))
            throw new DeepSharpException($"Model '{file.Name}' takes inputs {inputShape?.ToBatchString() ?? "(unknown)"}; quantize calibrates and evaluates on MNIST images (None, 28, 28, 1).");
        var ((xTrain, _), (xTest, yTest)) = Mnist.Load(dataDir);
        var options = new QuantizationOptions
        {
            Method = method switch { "percentile" => CalibrationMethod.Percentile, "mse" => CalibrationMethod.Mse, "entropy" => CalibrationMethod.Entropy, _ => CalibrationMethod.MinMax },
        };
        int samples = Math.Min(calibration, xTrain.Shape[0]);
        var clock = Stopwatch.StartNew();
        var quantized = Quantization.Quantize(model, xTrain.SliceRows(0, samples), options);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Quantized {file.Name} on {samples} training images ({method} calibration) in {clock.Elapsed.TotalSeconds:F1}s:"));
        Console.WriteLine(Quantization.Describe(quantized));

        var targets = DataUtils.ToCategorical(yTest, 10);
        bool probabilities = ModelArguments.OutputsProbabilities(model);
        foreach (var m in new[] { model, quantized })
            m.Compile(new DeepSharp.Optimizers.Adam(), new CategoricalCrossentropy(fromLogits: !probabilities), [new CategoricalAccuracy()]);
        var floatScores = model.Evaluate(xTest, targets, 256);
        var int8Scores = quantized.Evaluate(xTest, targets, 256);
        double floatAccuracy = floatScores["categorical_accuracy"], int8Accuracy = int8Scores["categorical_accuracy"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy: float {floatAccuracy:F4}, int8 {int8Accuracy:F4} ({100 * (int8Accuracy - floatAccuracy):+0.00;-0.00;0.00} points)."));

        if (output.Directory is { } folder) Directory.CreateDirectory(folder.FullName);
        quantized.Save(output.FullName);
        long floatBytes = FloatFileBytes(model), int8Bytes = new FileInfo(output.FullName).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"File: float {floatBytes:N0} bytes, int8 {int8Bytes:N0} bytes ({(double)int8Bytes / floatBytes:F2}x)."));

        var batch = xTest.SliceRows(0, Math.Min(2560, xTest.Shape[0]));
        var single = xTest.SliceRows(0, Math.Min(300, xTest.Shape[0]));
        var (floatBig, int8Big) = Speed(model, quantized, batch, 256, rounds);
        var (floatOne, int8One) = Speed(model, quantized, single, 1, rounds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Predict, images/s (median of {rounds}, {DeepSharp.Threads.Count} threads; float and int8 interleaved): batch 256 float {floatBig:F0}, int8 {int8Big:F0} ({int8Big / floatBig:F2}x); " +
            $"batch 1 float {floatOne:F0}, int8 {int8One:F0} ({int8One / floatOne:F2}x)."));
        Console.WriteLine($"Wrote {output.FullName}.");
        return 0;
    }

    /// <summary>Images per second of each model's Predict, median of <paramref name="rounds"/> interleaved rounds after a warm-up.</summary>
    private static (double Float, double Int8) Speed(Model model, Model quantized, Tensor x, int batchSize, int rounds)
    {
        model.Predict(x.SliceRows(0, Math.Min(batchSize, x.Shape[0])), batchSize);
        quantized.Predict(x.SliceRows(0, Math.Min(batchSize, x.Shape[0])), batchSize);
        var floatRates = new double[rounds];
        var int8Rates = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            floatRates[r] = Rate(model, x, batchSize);
            int8Rates[r] = Rate(quantized, x, batchSize);
        }
        Array.Sort(floatRates);
        Array.Sort(int8Rates);
        return (floatRates[rounds / 2], int8Rates[rounds / 2]);
    }

    private static double Rate(Model model, Tensor x, int batchSize)
    {
        var clock = Stopwatch.StartNew();
        model.Predict(x, batchSize);
        return x.Shape[0] / clock.Elapsed.TotalSeconds;
    }
}
