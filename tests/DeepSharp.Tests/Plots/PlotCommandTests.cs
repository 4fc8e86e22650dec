using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

/// <summary><c>deepsharp train --out</c> writes the pictures; <c>deepsharp plot</c> redraws and overlays them; bad histories are one-line errors.</summary>
public class PlotCommandTests
{
    [Fact(Timeout = 240_000)]
    public async Task TrainWritesPicturesAndPlotRedrawsAndOverlaysThem()
    {
        using var root = new TempFolder();
        string data = Directory.CreateDirectory(root.File("data")).FullName;
        KillResumeTests.WriteMnist(data);
        string run = root.File("run");
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "mnist", "--model", "mlp", "--data-dir", data, "--epochs", "2",
            "--batch-size", "64", "--threads", "2", "--out", run);
        Assert.True(code == 0, stderr);
        Assert.Contains("Pictures in ", stdout);
        foreach (var name in new[] { "loss.png", "accuracy.png", "learning_rate.png" })
            PngAssert.Drawn(Path.Combine(run, name), 800, 500);
        Assert.Contains("learning_rate", File.ReadAllText(Path.Combine(run, "history.json")));
        var confusion = DeepSharp.Data.Images.PngDecoder.Decode(Path.Combine(run, "confusion_matrix.png"));
        PngAssert.Drawn(Path.Combine(run, "confusion_matrix.png"), confusion.Width, confusion.Height);
        Assert.True(File.Exists(Path.Combine(run, "misclassified.png"))); // random labels: many are wrong

        // Redrawn elsewhere from the files alone, then two runs overlaid (the second a copy of the history, cut to one epoch).
        string again = root.File("again");
        (code, stdout, stderr) = await CliTests.Run(null, "plot", run, "--out", again, "--data-dir", data);
        Assert.True(code == 0, stderr);
        foreach (var name in new[] { "loss.png", "accuracy.png", "learning_rate.png", "confusion_matrix.png", "misclassified.png" })
            Assert.True(File.Exists(Path.Combine(again, name)), name + " was not redrawn");
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "confusion_matrix.png")), File.ReadAllBytes(Path.Combine(again, "confusion_matrix.png")));

        string other = Directory.CreateDirectory(root.File("other")).FullName;
        File.WriteAllText(Path.Combine(other, "history.json"), """{"epoch": [0], "history": {"loss": [2.5], "val_loss": [2.4]}}""");
        string compare = root.File("compare");
        (code, stdout, stderr) = await CliTests.Run(null, "plot", run, other, "--out", compare);
        Assert.True(code == 0, stderr);
        var loss = PngAssert.Drawn(Path.Combine(compare, "loss.png"), 800, 500);
        Assert.True(PngAssert.Count(loss, "#FF7F0E") > 20, "the second run is missing");
        Assert.True(File.Exists(Path.Combine(compare, "accuracy.png")));
    }

    [Fact]
    public async Task ABadHistoryIsOneLineNamingTheFile()
    {
        using var root = new TempFolder();
        File.WriteAllText(root.File("history.json"), """{"epoch": [0, 1], "history": {"loss": [1.0]}}""");
        var (code, _, stderr) = await CliTests.Run(null, "plot", root.Path);
        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(root.File("history.json"), stderr);
        Assert.Contains("1 values for 2 epochs", stderr);

        (code, _, stderr) = await CliTests.Run(null, "plot", root.File("missing"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", stderr);
    }
}
