using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary>`deepsharp train names` and `deepsharp generate` end to end on a small names file.</summary>
public class NamesCommandTests
{
    private static readonly string[] SomeNames =
        ["Anna", "Anne", "Annie", "Bella", "Bette", "Cara", "Carla", "Della", "Ella", "Emma", "Gemma", "Hanna", "Jenna", "Lena", "Nina", "Nora"];

    [Theory]
    [InlineData("lstm")]
    [InlineData("gpt")]
    public async Task TrainsWritesAndGeneratesNames(string preset)
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("names.txt"), Enumerable.Repeat(SomeNames, 4).SelectMany(n => n));
        string output = folder.File("model");
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "names", "--model", preset, "--epochs", "2", "--data-dir", folder.Path, "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"Validation: \d+\.\d+ nats/char \(bigram baseline \d+\.\d+\)", stdout);
        string test = System.Text.RegularExpressions.Regex.Match(stdout, @"; test: (\d+\.\d+) \(bigram (\d+\.\d+)\)").Groups is var g ? $"{g[1].Value} nats/char (bigram baseline {g[2].Value})" : "";

        // evaluate scores the same test names (the model's input says names), vocabulary.json beside the model.
        var evaluated = await CliTests.Run(null, "evaluate", Path.Combine(output, "model.safetensors"), "--data-dir", folder.Path);
        Assert.True(evaluated.Code == 0, evaluated.Err);
        Assert.Contains($"test names - loss: {test}", evaluated.Out);

        (code, stdout, stderr) = await CliTests.Run(null, "generate", output, "--count", "5", "--temperature", "0.5", "--seed", "3");
        Assert.True(code == 0, stderr);
        var generated = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, generated.Length);
        Assert.All(generated, n => Assert.InRange(n.Trim().Length, 0, 15));
        var again = await CliTests.Run(null, "generate", output, "--count", "5", "--temperature", "0.5", "--seed", "3");
        Assert.Equal(stdout, again.Out); // seeded

        // The model file instead of the folder: vocabulary.json beside it, or named with --vocabulary.
        string modelFile = Path.Combine(output, "model.safetensors");
        again = await CliTests.Run(null, "generate", modelFile, "--count", "5", "--temperature", "0.5", "--seed", "3");
        Assert.Equal(stdout, again.Out);
        string elsewhere = folder.File("names-model.safetensors");
        File.Copy(modelFile, elsewhere);
        // The model file alone: the vocabulary comes from the text vectorizer kept in it.
        again = await CliTests.Run(null, "generate", elsewhere, "--count", "5", "--temperature", "0.5", "--seed", "3");
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal(stdout, again.Out);
        again = await CliTests.Run(null, "generate", elsewhere, "--vocabulary", Path.Combine(output, "vocabulary.json"), "--count", "5", "--temperature", "0.5", "--seed", "3");
        Assert.Equal(stdout, again.Out);

        // A prompt: each name starts with it.
        again = await CliTests.Run(null, "generate", elsewhere, "--prompt", "An", "--count", "3", "--seed", "3");
        Assert.True(again.Code == 0, again.Err);
        Assert.All(again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), n => Assert.StartsWith("An", n));
    }

    [Fact]
    public async Task GenerateExplainsAMissingModelFolder()
    {
        using var folder = new TempFolder();
        var (code, _, stderr) = await CliTests.Run(null, "generate", folder.File("absent"));
        Assert.Equal(1, code);
        Assert.Contains("deepsharp train names --out", stderr);
        (code, _, stderr) = await CliTests.Run(null, "generate", folder.Path);
        Assert.Equal(1, code);
        Assert.Contains($"Folder '{folder.Path}' holds no model.safetensors", stderr);
        (code, _, stderr) = await CliTests.Run(null, "generate", folder.Path, "--top-p", "2");
        Assert.Equal(2, code);
        Assert.Contains("--top-p", stderr);
    }
}
