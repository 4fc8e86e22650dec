using System.Runtime.Intrinsics;
using DeepSharp.KernelCheck;

// Runs every kernel-vs-naive-twin check at the instruction set this process sees. The test suite
// starts this program with DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0 and
// DOTNET_EnableHWIntrinsic=0 so that every SIMD path is checked on one machine.
Console.WriteLine($"simd: {SimdLevel.Describe()}");
string? filter = args.Length > 0 ? args[0] : null;
int passed = 0, failed = 0;
foreach (var check in CheckRegistry.All())
{
    if (filter is not null && !check.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
    try
    {
        check.Run();
        passed++;
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"FAIL {check.Name}: {e.Message}");
    }
}
Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 && passed > 0 ? 0 : 1;
