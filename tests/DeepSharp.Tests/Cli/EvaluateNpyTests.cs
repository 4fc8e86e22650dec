using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// <c>deepsharp evaluate MODEL --x FILE.npy --y FILE.npy</c>: NumPy arrays score exactly as the same
/// numbers in CSV do, whatever the array's per-sample shape and the labels' form (indices or one-hot, any
/// of the three formats); what does not fit is one line naming the file.
/// </summary>
public sealed class EvaluateNpyTests : IDisposable
{
    private const int Samples = 6;
    private readonly TempFolder _folder = new();
    private readonly string _modelPath;
    private readonly float[] _pixels;
    private readonly int[] _labels = [3, 1, 4, 1, 5, 9];

    public EvaluateNpyTests()
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = new Sequential(new Conv2D(2, 3, activation: Activation.Relu, inputShape: [28, 28, 1]), new Flatten(), new Dense(10, Activation.Softmax));
        _modelPath = _folder.File("model.safetensors");
        model.Save(_modelPath);
        var random = new Random(4);
        _pixels = Enumerable.Range(0, Samples * 784).Select(_ => (float)random.NextDouble()).ToArray();
    }

    public void Dispose() => _folder.Dispose();

    private Task<(int Code, string Out, string Err)> Evaluate(params string[] args) => CliTests.Run(null, ["evaluate", _modelPath, .. args]);

    [Fact]
    public async Task NpyScoresAsTheSameNumbersInCsvDo()
    {
        string csv = _folder.File("digits.csv");
        await File.WriteAllLinesAsync(csv, Enumerable.Range(0, Samples).Select(i =>
            string.Join(',', _pixels.Skip(i * 784).Take(784).Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + _labels[i]));
        var (code, expected, err) = await Evaluate("--x", csv);
        Assert.True(code == 0, err);
        Assert.StartsWith($"{Samples} samples - loss: ", expected);

        // Images (N, 28, 28, 1) or rows (N, 784); labels as int32 indices, float one-hot rows, or a CSV column.
        string images = _folder.File("x.npy"), rows = _folder.File("rows.npy"), labels = _folder.File("y.npy"), oneHot = _folder.File("y-onehot.npy"), column = _folder.File("y.csv");
        NpyFile.Save(images, Tensor.FromArray(_pixels.ToArray(), Samples, 28, 28, 1));
        NpyFile.Save(rows, Tensor.FromArray(_pixels.ToArray(), Samples, 784));
        NpyFile.Save(labels, Tensor.FromArray(_labels.ToArray(), Samples));
        NpyFile.Save(oneHot, DataUtils.ToCategorical(Tensor.FromArray(_labels.ToArray(), Samples), 10));
        await File.WriteAllLinesAsync(column, _labels.Select(l => l.ToString(CultureInfo.InvariantCulture)));
        foreach (var (x, y) in new[] { (images, labels), (rows, oneHot), (images, column) })
        {
            string output;
            (code, output, err) = await Evaluate("--x", x, "--y", y);
            Assert.True(code == 0, err);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public async Task IntegerArraysAreReadAsTheirValues()
    {
        // Whole numbers 0..255 as int32 and as float32: the same inputs (values as stored, no scaling).
        var whole = _pixels.Select(v => MathF.Round(v * 255f)).ToArray();
        string ints = _folder.File("x-int.npy"), floats = _folder.File("x-float.npy"), labels = _folder.File("y.npy");
        NpyFile.Save(ints, Tensor.FromArray(whole.Select(v => (int)v).ToArray(), Samples, 784));
        NpyFile.Save(floats, Tensor.FromArray(whole.ToArray(), Samples, 28, 28, 1));
        NpyFile.Save(labels, Tensor.FromArray(_labels.ToArray(), Samples, 1));
        var (code, fromFloats, err) = await Evaluate("--x", floats, "--y", labels);
        Assert.True(code == 0, err);
        (code, var fromInts, err) = await Evaluate("--x", ints, "--y", labels);
        Assert.True(code == 0, err);
        Assert.Equal(fromFloats, fromInts);
    }

    [Fact]
    public async Task WhatDoesNotFitIsOneLineNamingTheFile()
    {
        string images = _folder.File("x.npy"), small = _folder.File("small.npy"), fewer = _folder.File("fewer.npy"), broken = _folder.File("broken.npy");
        NpyFile.Save(images, Tensor.FromArray(_pixels.ToArray(), Samples, 28, 28, 1));
        NpyFile.Save(small, Tensor.FromArray(_pixels[..(Samples * 100)], Samples, 10, 10));
        NpyFile.Save(fewer, Tensor.FromArray(_labels[..4], 4));
        var bytes = await File.ReadAllBytesAsync(images);
        await File.WriteAllBytesAsync(broken, bytes[..^5]);

        var (code, _, err) = await Evaluate("--x", images);
        Assert.Equal(1, code);
        Assert.Contains($"'{images}' is a .npy file: give its labels with --y", err);
        (code, _, err) = await Evaluate("--x", small, "--y", fewer);
        Assert.Equal(1, code);
        Assert.Contains($"'{small}' holds an array of shape (6, 10, 10), 100 values a sample; the model takes inputs (None, 28, 28, 1), 784 values a sample.", err);
        (code, _, err) = await Evaluate("--x", images, "--y", fewer);
        Assert.Equal(1, code);
        Assert.Contains($"Label file '{fewer}': holds 4 labels, expected 6 to match the samples in '{images}'.", err);
        (code, _, err) = await Evaluate("--x", broken, "--y", fewer);
        Assert.Equal(1, code);
        Assert.Contains($"npy file '{broken}': truncated: shape (6, 28, 28, 1) of '<f4' needs 18816 data bytes from byte 128, the file holds 18811.", err);
        Assert.DoesNotContain("   at ", err);
    }
}
