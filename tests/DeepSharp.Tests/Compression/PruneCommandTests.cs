using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using static DeepSharp.Tests.Compression.PruningTestModels;

namespace DeepSharp.Tests.Compression;

/// <summary><c>deepsharp prune</c> on a small model and a small synthetic MNIST.</summary>
public sealed class PruneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PrunesToTheSparsityAndWritesAnOrdinaryModelFile()
    {
        string data = Directory.CreateDirectory(_folder.File("mnist")).FullName;
        KillResumeTests.WriteMnist(data);
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(new Conv2D(4, 3, activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(10, Activation.Softmax));
        string path = _folder.File("model.safetensors");
        model.Save(path);

        var (code, output, err) = await CliTests.Run(null, "prune", path, "--sparsity", "0.75", "--epochs", "1", "--batch-size", "64",
            "--data-dir", data, "--out", _folder.File("pruned"), "--threads", "2");
        Assert.True(code == 0, err + output);
        Assert.Contains("conv2d: 75.00 % of its kernel weights are zero", output);
        Assert.Contains("dense: 75.00 % of its kernel weights are zero", output);
        var pruned = Model.Load(_folder.File(Path.Combine("pruned", "model.safetensors")));
        Assert.Equal(27, Zeros(Weight(pruned, "conv2d/kernel").Value)); // 36 − round(36·0.25)
        Assert.Equal(6760 - 1690, Zeros(Weight(pruned, "dense/kernel").Value));
        // The file has no masks; summary reports its zeros.
        (code, output, err) = await CliTests.Run(null, "summary", _folder.File(Path.Combine("pruned", "model.safetensors")));
        Assert.True(code == 0, err + output);
        Assert.Contains("conv2d: 75.00 %", output);
        Assert.Contains("dense: 75.00 %", output);

        (code, _, err) = await CliTests.Run(null, "prune", path, "--sparsity", "1", "--out", _folder.File("x"));
        Assert.NotEqual(0, code);
        Assert.Contains("--sparsity must be in [0, 1)", err);
    }
}
