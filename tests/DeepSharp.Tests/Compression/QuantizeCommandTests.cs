using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary><c>deepsharp quantize</c> on a small model and a small synthetic MNIST.</summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task QuantizesReportsAndWritesAnInt8ModelFile()
    {
        string data = Directory.CreateDirectory(_folder.File("mnist")).FullName;
        KillResumeTests.WriteMnist(data);
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(new Conv2D(4, 3, activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(10, Activation.Softmax));
        string path = _folder.File("model.safetensors");
        model.Save(path);

        string outPath = _folder.File(Path.Combine("q", "int8.safetensors"));
        var (code, output, err) = await CliTests.Run(null, "quantize", path, "--calibration", "50", "--method", "percentile",
            "--rounds", "1", "--data-dir", data, "--out", outPath, "--threads", "2");
        Assert.True(code == 0, err + output);
        Assert.Contains("percentile calibration", output);
        Assert.Contains("QuantizedConv2D    int8", output);
        Assert.Contains("2 of 4 layers compute in int8.", output);
        Assert.Contains("Test accuracy: float ", output);
        Assert.Contains("images/s", output);
        var quantized = Model.Load(outPath);
        Assert.IsType<QuantizedDense>(quantized.Layers[3]);
        Assert.True(SafetensorsFile.Load(outPath).TryGet("dense/kernel", out var kernel));
        Assert.Equal(SafetensorsDType.I8, kernel.DType);

        (code, _, err) = await CliTests.Run(null, "quantize", path, "--method", "kl", "--out", _folder.File("x"));
        Assert.NotEqual(0, code);
        Assert.Contains("kl", err);
    }
}
