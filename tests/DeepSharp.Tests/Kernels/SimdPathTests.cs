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
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.DoesNotContain($"simd: {mustNotUse}", output);
        Assert.Contains(" passed, 0 failed", output);
    }
}
