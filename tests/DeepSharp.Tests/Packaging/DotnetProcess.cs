using System.Diagnostics;

namespace DeepSharp.Tests.Packaging;

/// <summary>
/// Runs <c>dotnet</c> (or a tool it installed) as a user's shell would, for the packaging tests: no
/// MSBuild or compiler server left behind (they would keep the output pipes open), and none of the
/// MSBuild variables of the <c>dotnet test</c> that started this test.
/// </summary>
internal static class DotnetProcess
{
    /// <summary>The configuration this test assembly was built in; the packages are packed from the same build.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> in <paramref name="workingDirectory"/> and fails the test, with its output, unless it exits with 0.</summary>
    public static string Run(string file, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in psi.Environment.Keys.ToArray())
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(name);
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{Path.GetFileName(file)} {string.Join(' ', args)}` did not finish in {timeout.TotalSeconds:F0} s.");
        }
        process.WaitForExit();
        string output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0,
            $"`{Path.GetFileName(file)} {string.Join(' ', args)}` in {workingDirectory} exited with {process.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s:\n{output}");
        return output;
    }
}
