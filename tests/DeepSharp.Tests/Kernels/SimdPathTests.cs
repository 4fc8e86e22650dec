using System.Diagnostics;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// Reruns all kernel checks in a child process with wider instruction sets switched off, so the
/// AVX2, 128-bit and scalar paths are covered on an AVX-512 machine (as ImageSharp's FeatureTestRunner).
/// </summary>
public class SimdPathTests
{
    [Theory]
    [InlineData("DOTNET_EnableAVX512F,DOTNET_EnableAVX512", "vector512")] // .NET 10 reads the second name
    [InlineData("DOTNET_EnableAVX2", "vector256")]
    [InlineData("DOTNET_EnableHWIntrinsic", "vector128")]
    public async Task KernelChecksPassWithInstructionSetDisabled(string variable, string mustNotUse)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "DeepSharp.KernelCheck.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string name in variable.Split(',')) psi.Environment[name] = "0";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string? limit = await WaitWithinLimits(process);
        if (limit is not null)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync();
        }
        string output = await stdout + await stderr;
        Assert.True(limit is null, $"{limit}\n{output}");
        Assert.True(process.ExitCode == 0, output);
        Assert.DoesNotContain($"simd: {mustNotUse}", output);
        Assert.Contains(" passed, 0 failed", output);
    }

    /// <summary>
    /// Waits for the child; returns why it was stopped, or null when it exited by itself. The limit is the
    /// child's CPU time (a loaded machine stretches the wall clock, not the work); a far larger wall-clock
    /// limit only catches a child that hangs without spending CPU.
    /// </summary>
    private static async Task<string?> WaitWithinLimits(Process process)
    {
        var cpuLimit = TimeSpan.FromMinutes(5);
        var wallLimit = TimeSpan.FromMinutes(45);
        var started = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            using var tick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try { await process.WaitForExitAsync(tick.Token); }
            catch (OperationCanceledException) { }
            if (process.HasExited) break;
            TimeSpan cpu;
            try { cpu = process.TotalProcessorTime; }
            catch (InvalidOperationException) { break; }
            if (cpu > cpuLimit) return $"kernel checks stopped after {cpu.TotalSeconds:F0} s of CPU time (limit {cpuLimit.TotalSeconds:F0} s)";
            if (started.Elapsed > wallLimit) return $"kernel checks stopped after {started.Elapsed.TotalMinutes:F0} min of wall time with {cpu.TotalSeconds:F0} s of CPU time";
        }
        return null;
    }
}
