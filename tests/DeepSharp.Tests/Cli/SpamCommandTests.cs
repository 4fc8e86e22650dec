using System.Text.RegularExpressions;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary>`deepsharp train spam` and `deepsharp evaluate --data spam` end to end on a small folder of e-mails.</summary>
public class SpamCommandTests
{
    [Fact]
    public async Task EvaluateScoresTheTestEmailsTrainingScored()
    {
        using var folder = new TempFolder();
        var random = new Random(5);
        string[] spamWords = ["buy", "cheap", "offer", "money", "click"], hamWords = ["meeting", "lunch", "report", "notes", "tomorrow"];
        foreach (var (group, words) in new[] { ("spam-1", spamWords), ("easy-ham-1", hamWords) })
        {
            Directory.CreateDirectory(folder.File(group));
            for (int i = 0; i < 30; i++)
                File.WriteAllText(folder.File($"{group}/{i:D3}.txt"), string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])));
        }
        string output = folder.File("model");
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "spam", "--epochs", "1", "--batch-size", "8", "--data-dir", folder.Path, "--out", output);
        Assert.True(code == 0, stderr);
        string accuracy = Regex.Match(stdout, @"Test accuracy: (\d+\.\d+) - precision (\d+\.\d+) - recall (\d+\.\d+) - F1 (\d+\.\d+)").Groups is var g && g[1].Success
            ? g[1].Value : throw new Xunit.Sdk.XunitException(stdout);

        (code, stdout, stderr) = await CliTests.Run(null, "evaluate", Path.Combine(output, "model.safetensors"), "--data", "spam", "--data-dir", folder.Path);
        Assert.True(code == 0, stderr);
        Assert.Matches($@"^6 test e-mails - loss: \d+\.\d+ - accuracy: {Regex.Escape(accuracy)}$", stdout.Split('\n')[0]);
        Assert.Contains($"spam class - precision {g[2].Value} - recall {g[3].Value} - F1 {g[4].Value}", stdout);
    }
}
