using System.Runtime.Intrinsics;

namespace DeepSharp.KernelCheck;

/// <summary>Names the widest vector path the JIT accelerates in this process.</summary>
public static class SimdLevel
{
    public static string Describe() =>
        Vector512.IsHardwareAccelerated ? "vector512"
        : Vector256.IsHardwareAccelerated ? "vector256"
        : Vector128.IsHardwareAccelerated ? "vector128"
        : "scalar";
}
