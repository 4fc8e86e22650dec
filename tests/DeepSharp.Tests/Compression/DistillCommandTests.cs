using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary><c>deepsharp distill</c> on a small teacher and a small synthetic MNIST.</summary>
public sealed class DistillCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task DistillsIntoAnMlpStudentAndWritesIt()
    {
        string data = Directory.CreateDirectory(_folder.File("mnist")).FullName;
        KillResumeTests.WriteMnist(data);
        RandomGenerator.SetGlobalSeed(8);
        var teacher = new Sequential(new Conv2D(4, 3, activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(10, Activation.Softmax));
        string path = _folder.File("teacher.safetensors");
        teacher.Save(path);

        var (code, output, err) = await CliTests.Run(null, "distill", path, "--student", "mlp", "--units", "8", "--epochs", "1",
            "--batch-size", "64", "--data-dir", data, "--out", _folder.File("student"), "--threads", "2");
        Assert.True(code == 0, err + output);
        Assert.Contains("into an mlp of 8 hidden units (6,370 parameters", output);
        Assert.Contains("Test accuracy: teacher ", output);
        var student = Model.Load(_folder.File(Path.Combine("student", "model.safetensors")));
        var x = Tensor.RandomUniform(new Shape(3, 28, 28, 1), 0f, 1f, new RandomGenerator(1));
        var p = student.Predict(x).ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(1f, p.Skip(i * 10).Take(10).Sum(), 1e-4f); // ends in softmax

        (code, _, err) = await CliTests.Run(null, "distill", path, "--student", "cnn", "--out", _folder.File("x"));
        Assert.NotEqual(0, code);
        Assert.Contains("cnn", err);
    }
}
