using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary><c>deepsharp train mnist --optimizer NAME --learning-rate LR --gradient-accumulation N</c>.</summary>
public class OptimizerOptionTests
{
    [Fact]
    public async Task OptionsAreListedAndABadNameListsTheChoices()
    {
        var (code, stdout, _) = await CliTests.Run(null, "train", "mnist", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--optimizer", "--learning-rate", "--gradient-accumulation" }) Assert.Contains(option, stdout);
        Assert.Contains("adamax", stdout);

        (code, _, var stderr) = await CliTests.Run(null, "train", "mnist", "--optimizer", "adamm");
        Assert.Equal(2, code);
        Assert.Contains("--optimizer 'adamm' is unknown; choose one of: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta, lion, ftrl.", stderr);
        Assert.DoesNotContain("   at ", stderr);

        foreach (var (option, value, message) in new[]
        {
            ("--learning-rate", "0", "--learning-rate must be a positive number."),
            ("--learning-rate", "-1e-3", "--learning-rate must be a positive number."),
            ("--gradient-accumulation", "0", "--gradient-accumulation must be a positive integer"),
        })
        {
            (code, _, stderr) = await CliTests.Run(null, "train", "mnist", option, value);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
        }
        (code, _, stderr) = await CliTests.Run(null, "train", "mnist", "--federated", "--optimizer", "sgd");
        Assert.Equal(2, code);
        Assert.Contains("--optimizer is for centralized training", stderr);
    }

    [Fact]
    public async Task FederatedOnlyOptionsWithoutFederatedAreRefusedNotIgnored()
    {
        // PyTorch's scripts spell the rate --lr: here that is the federated clients' rate, and it was silently ignored
        var (code, _, stderr) = await CliTests.Run(null, "train", "mnist", "--lr", "0.01");
        Assert.Equal(2, code);
        Assert.Contains("--lr is the clients' rate of --federated training; the learning rate of this training is --learning-rate.", stderr);
        (code, _, stderr) = await CliTests.Run(null, "train", "mnist", "--rounds", "3");
        Assert.Equal(2, code);
        Assert.Contains("--rounds is for --federated training; add --federated, or leave it out.", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact(Timeout = 120_000)]
    public async Task TrainsWithTheNamedOptimizerAndAccumulation()
    {
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "mnist", "--data-dir", data, "--model", "mlp", "--epochs", "1", "--batch-size", "32",
            "--threads", "1", "--optimizer", "Lion", "--learning-rate", "3e-4", "--gradient-accumulation", "4", "--out", root.File("out"));
        Assert.True(code == 0, stderr);
        Assert.Contains("lion (learning rate 0.0003), gradients accumulated over 4 batches", stdout);
        // The model file's compile config names the optimizer and its settings; 16 batches of 32 gave 4 updates.
        var model = DeepSharp.Training.Model.Load(root.File("out/model.safetensors"));
        var optimizer = Assert.IsType<DeepSharp.Optimizers.Lion>(model.Optimizer);
        Assert.Equal((3e-4f, 4, 4L, 0), (optimizer.LearningRate, optimizer.GradientAccumulationSteps, optimizer.Iterations, optimizer.AccumulatedSteps));
    }
}
