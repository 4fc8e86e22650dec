using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>A tile's 16 int32 sums stored whole, or only its first lanes for the last tile of fewer output channels.</summary>
internal static unsafe class Int8LaneStore
{
    /// <summary>
    /// The first <paramref name="count"/> ≤ 16 lanes of <paramref name="v"/> at <paramref name="y"/>: one store, or masked
    /// ones (<c>vpmaskmovd</c>, which never touches the lanes masked off). For the 512-bit kernels (AVX-512BW, so AVX2).
    /// </summary>
    /// <remarks>
    /// Inlined and free of calls: a call inside or right after a kernel's loop (every vector register is caller-saved)
    /// made the JIT keep the loop's weights or sums on the stack (int8t found it in <c>Int8WindowKernels.Four</c> and
    /// <see cref="Int8SingleChannelConv"/>).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FirstLanes(Vector512<int> v, int* y, int count)
    {
        if (count == Int8Weights.TileN)
        {
            v.Store(y);
            return;
        }
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var n = Vector256.Create(count);
        Avx2.MaskStore(y, Vector256.LessThan(lane, n), v.GetLower());
        Avx2.MaskStore(y + 8, Vector256.LessThan(lane + Vector256.Create(8), n), v.GetUpper());
    }
}
