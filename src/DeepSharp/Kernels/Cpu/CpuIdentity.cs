using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The vendor, family and model CPUID reports, for the few choices that are tuned per CPU
/// generation rather than per instruction set (which <c>IsSupported</c> answers). Kernels that
/// branch on it give the same bits either way; only their speed differs.
/// </summary>
internal static class CpuIdentity
{
    /// <summary>"AuthenticAMD", "GenuineIntel", another vendor string, or "" off x86.</summary>
    public static string Vendor { get; }

    /// <summary>The display family (base family plus extended family where the base is 0xF); 0 off x86.</summary>
    public static int Family { get; }

    /// <summary>The display model (with the extended model for families 6 and 0xF and above); 0 off x86.</summary>
    public static int Model { get; }

    public static bool IsAmd => Vendor == "AuthenticAMD";

    public static bool IsIntel => Vendor == "GenuineIntel";

    /// <summary>AMD family 25 (0x19): Zen 3 and Zen 4; on the AVX-512 parts, Zen 4 (512-bit ops on 256-bit units).</summary>
    public static bool IsAmdFamily25 => IsAmd && Family == 0x19;

    /// <summary>AMD family 26 (0x1A): Zen 5 (full-width 512-bit units).</summary>
    public static bool IsAmdFamily26 => IsAmd && Family == 0x1A;

    /// <summary>What the bench prints: vendor, family and model, e.g. "GenuineIntel family 6 model 207".</summary>
    public static string Description => Vendor.Length == 0 ? "not x86" : $"{Vendor} family {Family} model {Model}";

    static CpuIdentity()
    {
        Vendor = "";
        if (!X86Base.IsSupported) return;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BitConverter.TryWriteBytes(name, ebx);
        BitConverter.TryWriteBytes(name[4..], edx);
        BitConverter.TryWriteBytes(name[8..], ecx);
        Vendor = System.Text.Encoding.ASCII.GetString(name);
        int eax = X86Base.CpuId(1, 0).Eax;
        int baseFamily = (eax >> 8) & 0xF;
        int baseModel = (eax >> 4) & 0xF;
        Family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        Model = baseFamily is 0x6 or 0xF ? baseModel | (((eax >> 16) & 0xF) << 4) : baseModel;
    }
}
