using DeepSharp.KernelCheck;

namespace DeepSharp.Tests.Kernels;

/// <summary>Every kernel-vs-twin check of DeepSharp.KernelCheck, in this process.</summary>
public class KernelTwinTests
{
    public static TheoryData<string> Checks()
    {
        var data = new TheoryData<string>();
        foreach (var check in CheckRegistry.All()) data.Add(check.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Checks))]
    public void KernelMatchesNaiveTwin(string name)
    {
        CheckRegistry.All().Single(c => c.Name == name).Run();
    }
}
