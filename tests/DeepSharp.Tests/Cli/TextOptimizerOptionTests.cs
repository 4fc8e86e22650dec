using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary><c>--optimizer NAME --learning-rate LR --gradient-accumulation N</c> on <c>train names</c>, <c>train spam</c> and <c>train speech-digits</c>.</summary>
public class TextOptimizerOptionTests
{
    public static TheoryData<string> Commands => ["names", "spam", "speech-digits"];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task OptionsAreListedAndBadValuesAreRefused(string command)
    {
        var (code, stdout, _) = await CliTests.Run(null, "train", command, "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--optimizer", "--learning-rate", "--gradient-accumulation" }) Assert.Contains(option, stdout);
        Assert.Contains("adamax", stdout);

        (code, _, var stderr) = await CliTests.Run(null, "train", command, "--optimizer", "adamm");
        Assert.Equal(2, code);
        Assert.Contains("--optimizer 'adamm' is unknown; choose one of: sgd, adam, adamw, rmsprop, adagrad, nadam, adamax, adadelta, lion, ftrl.", stderr);
        Assert.DoesNotContain("   at ", stderr);
        foreach (var (option, value, message) in new[]
        {
            ("--learning-rate", "0", "--learning-rate must be a positive number."),
            ("--gradient-accumulation", "0", "--gradient-accumulation must be a positive integer"),
        })
        {
            (code, _, stderr) = await CliTests.Run(null, "train", command, option, value);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task SpamTrainsWithItsOwnAdamByDefaultAndWithTheNamedOptimizerWhenAsked()
    {
        using var folder = new TempFolder();
        WriteEmails(folder);
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--epochs", "1", "--batch-size", "8", "--data-dir", folder.Path,
            "--threads", "1", "--no-validation", "--out", folder.File("default"));
        Assert.True(code == 0, stderr);
        Assert.Contains("1 epochs, Adam (learning rate 0.001), seed", stdout);
        var adam = Assert.IsType<DeepSharp.Optimizers.Adam>(DeepSharp.Training.Model.Load(folder.File("default/model.safetensors")).Optimizer);
        Assert.Equal((1e-3f, (int?)null), (adam.LearningRate, adam.GradientAccumulationSteps));

        (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--epochs", "1", "--batch-size", "8", "--data-dir", folder.Path,
            "--threads", "1", "--no-validation", "--optimizer", "SGD", "--learning-rate", "0.05", "--gradient-accumulation", "2", "--out", folder.File("sgd"));
        Assert.True(code == 0, stderr);
        Assert.Contains("sgd (learning rate 0.05), gradients accumulated over 2 batches", stdout);
        // 48 training e-mails (80 % of 60) in batches of 8: 6 batches, 3 updates.
        var sgd = Assert.IsType<DeepSharp.Optimizers.Sgd>(DeepSharp.Training.Model.Load(folder.File("sgd/model.safetensors")).Optimizer);
        Assert.Equal((0.05f, (int?)2, 3L), (sgd.LearningRate, sgd.GradientAccumulationSteps, sgd.Iterations));
    }

    private static void WriteEmails(TempFolder folder)
    {
        var random = new Random(5);
        string[] spamWords = ["buy", "cheap", "offer", "money", "click"], hamWords = ["meeting", "lunch", "report", "notes", "tomorrow"];
        foreach (var (group, words) in new[] { ("spam-1", spamWords), ("easy-ham-1", hamWords) })
        {
            Directory.CreateDirectory(folder.File(group));
            for (int i = 0; i < 30; i++)
                File.WriteAllText(folder.File($"{group}/{i:D3}.txt"), string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])));
        }
    }
}
