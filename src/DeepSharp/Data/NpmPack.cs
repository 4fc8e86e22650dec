using System.ComponentModel;
using System.Diagnostics;

namespace DeepSharp.Data;

/// <summary>Runs <c>npm pack NAME@VERSION</c> in a folder and returns the path of the tarball it wrote.</summary>
internal static class NpmPack
{
    /// <summary>The command as shown in messages.</summary>
    public static string CommandLine(string npm, string packageSpec) =>
        $"{npm} {string.Join(' ', Arguments(packageSpec))}";

    /// <exception cref="PackageFetchException">npm is missing, fails, times out or leaves no tarball.</exception>
    public static string Run(string npm, string packageSpec, string workFolder, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = workFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(packageSpec)) start.ArgumentList.Add(argument);
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            throw new PackageFetchException(
                $"npm could not be started as '{npm}' ({e.Message}); install Node.js with npm, or set DEEPSHARP_NPM to npm's path", e);
        }
        if (process is null) throw new PackageFetchException($"npm could not be started as '{npm}'");

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { /* it exited just now */ }
                throw new PackageFetchException($"npm did not finish within {timeout.TotalSeconds:0} s");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new PackageFetchException($"npm exited with code {process.ExitCode}{Describe(stderr.Result)}");
            _ = stdout.Result;
        }

        var tarballs = Directory.GetFiles(workFolder, "*.tgz");
        if (tarballs.Length != 1)
            throw new PackageFetchException($"npm succeeded but left {tarballs.Length} .tgz files in {workFolder}, expected 1");
        return tarballs[0];
    }

    static string[] Arguments(string packageSpec) => ["pack", packageSpec, "--ignore-scripts", "--loglevel=error"];

    /// <summary>npm's first error line (the error code, e.g. ENOTFOUND), as ": ..." or empty.</summary>
    static string Describe(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return "";
        string line = lines.FirstOrDefault(l => l.Contains("code", StringComparison.Ordinal)) ?? lines[0];
        return ": " + (line.Length > 200 ? line[..200] + "..." : line);
    }
}
