using System.Text.RegularExpressions;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>docs/serving.md's C# example, compiled and run here as written (the page's block appears below line for line).</summary>
public partial class ServingDocTests
{
    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepSharp.slnx"))) return Path.Combine(dir.FullName, relative);
        throw new InvalidOperationException("The repository root (DeepSharp.slnx) is not above the test output folder.");
    }

    [Fact]
    public void EveryExampleOfThePageIsHere()
    {
        string page = File.ReadAllText(RepositoryFile("docs/serving.md"));
        string here = File.ReadAllText(RepositoryFile("tests/DeepSharp.Serving.Tests/ServingDocTests.cs"));
        var blocks = CSharpBlock().Matches(page).Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(blocks);
        string Normalize(string text) => string.Join('\n', text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        foreach (string block in blocks)
            Assert.True(Normalize(here).Contains(Normalize(block), StringComparison.Ordinal), $"This example of docs/serving.md is not in ServingDocTests.cs:\n{block}");
    }

    [Fact]
    public async Task ServingFromCSharp()
    {
        string[] args = [TrainedMnist.File];
        var model = Model.Load(args[0]);
        var served = new ServedModel(model, labels: null, name: "mnist");
        await using var server = new ModelServer(served, new ServingOptions { Port = 0, MaxBatchSize = 32 });
        await server.StartAsync();
        Console.WriteLine($"Serving at {server.Address}");
        using var client = new HttpClient { BaseAddress = server.Address };
        Console.WriteLine(await client.GetStringAsync("/v1/model"));
        await server.StopAsync(); // or: await server.WaitForShutdownAsync(); (SIGTERM, Ctrl-C)
        for (int wait = 0; wait < 200 && server.Metrics.Requests("/v1/model", 200) == 0; wait++) await Task.Delay(10);
        Assert.Equal(1, server.Metrics.Requests("/v1/model", 200));
    }
}
