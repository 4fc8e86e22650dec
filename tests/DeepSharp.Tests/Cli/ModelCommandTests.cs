using System.Globalization;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp summary / evaluate / predict</c> against a small model file written by the test.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Sequential _model;
    private readonly string _modelPath;

    public ModelCommandTests()
    {
        RandomGenerator.SetGlobalSeed(17);
        _model = new Sequential(
            new Conv2D(2, 3, activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(10, Activation.Softmax));
        _modelPath = _folder.File("model.safetensors");
        _model.Save(_modelPath);
    }

    public void Dispose() => _folder.Dispose();

    private static byte[] Digit(int seed)
    {
        var pixels = new byte[28 * 28];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }

    /// <summary>"NAME: CLASS (PROBABILITY)" as the model in this process predicts it.</summary>
    private string Expected(string name, byte[] gray)
    {
        var x = Tensor.FromArray(gray.Select(b => b / 255f).ToArray(), 1, 28, 28, 1);
        var p = _model.Predict(x).ToArray();
        int best = Array.IndexOf(p, p.Max());
        return string.Create(CultureInfo.InvariantCulture, $"{name}: {best} ({p[best]:F4})");
    }

    [Fact]
    public async Task SummaryPrintsTheLayerTable()
    {
        var (code, output, err) = await CliTests.Run(null, "summary", _modelPath);
        Assert.True(code == 0, err);
        Assert.Contains("conv2d (Conv2D)", output);
        Assert.Contains("(None, 13, 13, 2)", output);
        Assert.Contains(_model.Parameters.Sum(p => p.Shape.Size).ToString("N0", CultureInfo.InvariantCulture), output);
    }

    [Fact]
    public async Task PredictReadsPngIdxAndFolders()
    {
        var a = Digit(1);
        var b = Digit(2);
        string pngs = Directory.CreateDirectory(_folder.File("pngs")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(pngs, "a.png"), TestPng.Encode(28, 28, 1, a, 0, 1, 2, 3, 4));
        var rgb = b.SelectMany(v => new[] { v, v, v }).ToArray(); // gray as RGB: luminance gives v back
        await File.WriteAllBytesAsync(Path.Combine(pngs, "b.png"), TestPng.Encode(28, 28, 3, rgb, 4));

        var (code, output, err) = await CliTests.Run(null, "predict", _modelPath, Path.Combine(pngs, "a.png"));
        Assert.True(code == 0, err);
        Assert.Equal(Expected("a.png", a), output.Trim());

        (code, output, err) = await CliTests.Run(null, "predict", _modelPath, pngs);
        Assert.True(code == 0, err);
        Assert.Equal([Expected("a.png", a), Expected("b.png", b)], output.Trim().Split('\n').Select(l => l.TrimEnd()));

        string idx = _folder.File("images-idx3-ubyte");
        await File.WriteAllBytesAsync(idx, IdxFiles.Bytes(0x803, [2, 28, 28], [.. a, .. b]));
        (code, output, err) = await CliTests.Run(null, "predict", _modelPath, idx);
        Assert.True(code == 0, err);
        Assert.Equal([Expected("images-idx3-ubyte[0]", a), Expected("images-idx3-ubyte[1]", b)], output.Trim().Split('\n').Select(l => l.TrimEnd()));
    }

    [Fact]
    public async Task PredictReadsCsvAndNpyAsEvaluateDoes()
    {
        var a = Digit(5);
        var b = Digit(6);
        string Row(byte[] gray) => string.Join(',', gray.Select(v => (v / 255f).ToString("R", CultureInfo.InvariantCulture)));
        string csv = _folder.File("x.csv"), labelled = _folder.File("labelled.csv"), npy = _folder.File("x.npy"), narrow = _folder.File("narrow.csv");
        await File.WriteAllLinesAsync(csv, [string.Join(',', Enumerable.Range(0, 784).Select(i => $"p{i}")), Row(a), Row(b)]); // a header, then the samples
        await File.WriteAllLinesAsync(labelled, [Row(a) + ",7", Row(b) + ",1"]);                                            // evaluate's file: a label last
        DeepSharp.Data.NpyFile.Save(npy, Tensor.FromArray([.. a.Select(v => v / 255f), .. b.Select(v => v / 255f)], 2, 28, 28));
        await File.WriteAllLinesAsync(narrow, ["1,2,3"]);

        foreach (string path in new[] { csv, labelled, npy })
        {
            var (code, output, err) = await CliTests.Run(null, "predict", _modelPath, path);
            Assert.True(code == 0, err);
            string name = Path.GetFileName(path);
            Assert.Equal([Expected(name + "[0]", a), Expected(name + "[1]", b)], output.Trim().Split('\n').Select(l => l.TrimEnd()));
        }
        var (failed, _, error) = await CliTests.Run(null, "predict", _modelPath, narrow);
        Assert.Equal(1, failed);
        Assert.Contains("holds rows of 3 values; the model takes inputs (None, 28, 28, 1), 784 values a sample (or 785, a label last", error);
    }

    [Fact]
    public async Task WrongSizedImageIsOneLine()
    {
        string png = _folder.File("small.png");
        await File.WriteAllBytesAsync(png, TestPng.Encode(8, 8, 1, new byte[64]));
        var (code, _, err) = await CliTests.Run(null, "predict", _modelPath, png);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("is 8×8; the model takes 28×28", err);
    }

    /// <summary>A tiny MNIST (five images, the same for train and test) in a folder for --data-dir.</summary>
    private async Task<(string Folder, byte[] Labels, byte[] Images)> TinyMnist()
    {
        string data = Directory.CreateDirectory(_folder.File("mnist")).FullName;
        byte[] labels = [3, 1, 4, 1, 5];
        var images = labels.SelectMany((_, i) => Digit(10 + i)).ToArray();
        foreach (var prefix in new[] { "train", "t10k" })
        {
            await File.WriteAllBytesAsync(Path.Combine(data, $"{prefix}-images-idx3-ubyte"), IdxFiles.Bytes(0x803, [labels.Length, 28, 28], images));
            await File.WriteAllBytesAsync(Path.Combine(data, $"{prefix}-labels-idx1-ubyte"), IdxFiles.Labels(labels));
        }
        return (data, labels, images);
    }

    [Fact]
    public async Task TrainWritesModelAndHistory()
    {
        var (data, _, _) = await TinyMnist();
        string run = _folder.File("runs/tiny");
        var (code, output, err) = await CliTests.Run(null, "train", "mnist", "--epochs", "2", "--data-dir", data, "--out", run, "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("model.safetensors", output);
        var model = Model.Load(Path.Combine(run, "model.safetensors"));
        Assert.Equal(693_962, model.Parameters.Sum(p => p.Shape.Size));
        using var history = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run, "history.json")));
        Assert.Equal(2, history.RootElement.GetProperty("epoch").GetArrayLength());
        Assert.Equal(2, history.RootElement.GetProperty("history").GetProperty("val_accuracy").GetArrayLength());
        Assert.Equal(["accuracy.png", "confusion_matrix.png", "history.json", "learning_rate.png", "loss.png", "misclassified.png", "model.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order()); // the pictures of training: docs/plots.md
    }

    [Fact]
    public async Task TrainTakesAModelPreset()
    {
        var (data, _, _) = await TinyMnist();
        string run = _folder.File("runs/mlp");
        var (code, output, err) = await CliTests.Run(null, "train", "mnist", "--model", "mlp", "--epochs", "1", "--batch-size", "4", "--data-dir", data, "--out", run, "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("Training mlp: batch 4, 1 epoch, RMSprop", output);
        Assert.Equal(669_706, Model.Load(Path.Combine(run, "model.safetensors")).Parameters.Sum(p => p.Shape.Size));

        (code, _, err) = await CliTests.Run(null, "train", "mnist", "--model", "resnet");
        Assert.Equal(2, code);
        Assert.Contains("resnet", err);
    }

    [Fact]
    public async Task EvaluatePrintsLossAndAccuracy()
    {
        var (data, labels, images) = await TinyMnist();
        var (code, output, err) = await CliTests.Run(null, "evaluate", _modelPath, "--data-dir", data);
        Assert.True(code == 0, err);

        var x = Tensor.FromArray(images.Select(v => v / 255f).ToArray(), labels.Length, 28, 28, 1);
        var predicted = _model.Predict(x).ToArray();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = predicted.AsSpan(i * 10, 10);
            if (row.IndexOf(row.ToArray().Max()) == labels[i]) correct++;
        }
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"5 test images - loss: "), output);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy: {correct / 5.0:F4}"), output);
    }

    [Fact]
    public async Task EvaluateReadsYourOwnIdxAndCsvFiles()
    {
        var (data, labels, images) = await TinyMnist();
        var (code, mnist, err) = await CliTests.Run(null, "evaluate", _modelPath, "--data-dir", data);
        Assert.True(code == 0, err);
        string scores = mnist.Trim()["5 test images".Length..]; // " - loss: ... - accuracy: ..."

        (code, var output, err) = await CliTests.Run(null, "evaluate", _modelPath,
            "--x", Path.Combine(data, "t10k-images-idx3-ubyte"), "--y", Path.Combine(data, "t10k-labels-idx1-ubyte"));
        Assert.True(code == 0, err);
        Assert.Equal("5 samples" + scores, output.Trim());

        // CSV: 784 values a row (written exactly), the label last; then the labels in a file of their own, under a header.
        string Value(byte b) => (b / 255f).ToString("R", CultureInfo.InvariantCulture);
        var rows = labels.Select((label, i) => string.Join(',', images.Skip(i * 784).Take(784).Select(Value))).ToArray();
        string csv = _folder.File("digits.csv"), xs = _folder.File("x.csv"), ys = _folder.File("y.csv");
        await File.WriteAllLinesAsync(csv, rows.Select((r, i) => r + "," + labels[i]));
        await File.WriteAllLinesAsync(xs, rows);
        await File.WriteAllLinesAsync(ys, labels.Select(l => l.ToString(CultureInfo.InvariantCulture)).Prepend("label"));
        (code, output, err) = await CliTests.Run(null, "evaluate", _modelPath, "--x", csv);
        Assert.True(code == 0, err);
        Assert.Equal("5 samples" + scores, output.Trim());
        (code, output, err) = await CliTests.Run(null, "evaluate", _modelPath, "--x", xs, "--y", ys);
        Assert.True(code == 0, err);
        Assert.Equal("5 samples" + scores, output.Trim());

        // What does not fit says what was found and what the model takes.
        (code, _, err) = await CliTests.Run(null, "evaluate", _modelPath, "--x", ys);
        Assert.Equal(1, code);
        Assert.Contains("holds rows of 0 values and a label; the model takes inputs (None, 28, 28, 1), 784 values a sample.", err);
        (code, _, err) = await CliTests.Run(null, "evaluate", _modelPath, "--x", Path.Combine(data, "t10k-images-idx3-ubyte"));
        Assert.Equal(1, code);
        Assert.Contains("give its labels with --y", err);
        (code, _, err) = await CliTests.Run(null, "evaluate", _modelPath, "--y", ys);
        Assert.Equal(2, code);
        Assert.Contains("--y needs --x", err);
    }

    [Fact]
    public async Task CorruptModelFileIsOneLine()
    {
        var bytes = await File.ReadAllBytesAsync(_modelPath);
        string bad = _folder.File("bad.safetensors");
        await File.WriteAllBytesAsync(bad, bytes[..(bytes.Length - 3)]);
        foreach (var command in new[] { "summary", "evaluate", "predict" })
        {
            string[] args = command == "predict" ? [command, bad, bad] : [command, bad];
            var (code, _, err) = await CliTests.Run(null, args);
            Assert.Equal(1, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains("bad.safetensors", err);
            Assert.DoesNotContain("   at ", err);
        }
    }

    [Fact]
    public async Task ExportWritesAnOnnxFileThatRuns()
    {
        string onnx = _folder.File("model.onnx");
        var (code, output, err) = await CliTests.Run(null, "export", _modelPath, "--onnx", onnx);
        Assert.True(code == 0, err);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("model.onnx", output);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        Assert.Equal([-1, 28, 28, 1], session.InputMetadata.Values.Single().Dimensions);
    }

    [Fact]
    public async Task ExportErrorsAreOneLine()
    {
        var (code, _, err) = await CliTests.Run(null, "export", _folder.File("missing.safetensors"), "--onnx", _folder.File("x.onnx"));
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("missing.safetensors", err);
        (code, _, err) = await CliTests.Run(null, "export", _modelPath);
        Assert.Equal(2, code);
        Assert.Contains("--onnx", err);
    }
}
