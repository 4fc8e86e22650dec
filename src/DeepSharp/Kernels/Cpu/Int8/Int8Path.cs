using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The instruction sequence an int8 GEMM runs: every path computes exactly Σ a·b in int32 (u8 × s8
/// products, no intermediate saturation), so all paths give the same bits as the naive twin.
/// </summary>
/// <remarks>
/// .NET 10 exposes the VNNI dot product (<c>vpdpbusd</c>) as <see cref="AvxVnni"/> on 256-bit
/// vectors only (there is no Avx512Vnni class; Avx10v1 is false on Zen 5); on an AVX-512 CPU the
/// JIT encodes it with EVEX, so kernels may keep up to 32 vectors in registers. Without it the
/// operands are widened to int16 when they are packed and multiplied with <c>vpmaddwd</c>
/// (Avx512BW/Avx2 <c>MultiplyAddAdjacent</c>), which is exact. <c>vpmaddubsw</c> is not used: its
/// int16 pair sums saturate for u8 × s8 (2 · 255 · 127 &gt; 32767) unless the weights are cut to
/// 7 bits, as ONNX Runtime's <c>reduce_range</c> does, which costs accuracy.
/// </remarks>
internal enum Int8Path
{
    /// <summary>Plain C#, one multiply-add at a time.</summary>
    Scalar,
    /// <summary>int16 operands, <c>vpmaddwd</c> on 256-bit vectors (AVX2).</summary>
    MultiplyAdd256,
    /// <summary>int16 operands, <c>vpmaddwd</c> on 512-bit vectors (AVX-512BW).</summary>
    MultiplyAdd512,
    /// <summary>u8 × s8 quads, <c>vpdpbusd</c> on 256-bit vectors (AVX-VNNI).</summary>
    Vnni256,
}

/// <summary>Which <see cref="Int8Path"/>s this process can run, and the one kernels choose.</summary>
internal static class Int8Paths
{
    /// <summary>Whether the CPU and runtime run <paramref name="path"/>.</summary>
    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Scalar => true,
        Int8Path.MultiplyAdd256 => Avx2.IsSupported,
        Int8Path.MultiplyAdd512 => Avx512BW.IsSupported,
        Int8Path.Vnni256 => AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>The fastest supported path: VNNI, then 512-bit and 256-bit <c>vpmaddwd</c>, then scalar.</summary>
    public static Int8Path Best { get; } =
        IsSupported(Int8Path.Vnni256) ? Int8Path.Vnni256
        : IsSupported(Int8Path.MultiplyAdd512) ? Int8Path.MultiplyAdd512
        : IsSupported(Int8Path.MultiplyAdd256) ? Int8Path.MultiplyAdd256
        : Int8Path.Scalar;

    /// <summary>Every supported path (for tests).</summary>
    public static Int8Path[] Supported() => [.. Enum.GetValues<Int8Path>().Where(IsSupported)];
}
