using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The inner loops of <see cref="Int8PairConv"/> (512-bit <c>vpmaddwd</c>, no VNNI): output pixels
/// whose windows are read in place from an int16 frame, pair q of pixel i the int32 word at
/// <c>a + i·step + offsets[q]</c> (two adjacent taps), times one tile of <see cref="Int8Weights"/>
/// in the MultiplyAdd512 layout (16 channels × 2 int16 per pair). Each pair is one broadcast, one
/// <c>vpmaddwd</c> and one <c>vpaddd</c> per pixel: the accumulators' only dependency is the add
/// (one cycle), so eight pixels keep the multiplier busy while the weights load once per pair.
/// Never inlined: a call right after the loop in a large caller spills the sums.
/// </summary>
internal static unsafe class Int8PairWindowKernels
{
    /// <summary>8 pixels at a + i·step × one tile; pixel i's first <paramref name="cols"/> sums at c + i·ldc.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Eight(short* a, int step, int* offsets, int pairs, short* w, int* c, int ldc, int cols)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        short* a1 = a + step, a2 = a1 + step, a3 = a2 + step, a4 = a3 + step, a5 = a4 + step, a6 = a5 + step, a7 = a6 + step;
        for (int q = 0; q < pairs; q++, w += 32)
        {
            int o = offsets[q];
            var b = Vector512.Load(w);
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + o)).AsInt16(), b);
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a1 + o)).AsInt16(), b);
            c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a2 + o)).AsInt16(), b);
            c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a3 + o)).AsInt16(), b);
            c4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a4 + o)).AsInt16(), b);
            c5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a5 + o)).AsInt16(), b);
            c6 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a6 + o)).AsInt16(), b);
            c7 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a7 + o)).AsInt16(), b);
        }
        Int8LaneStore.FirstLanes(c0, c, cols);
        Int8LaneStore.FirstLanes(c1, c + ldc, cols);
        Int8LaneStore.FirstLanes(c2, c + 2 * ldc, cols);
        Int8LaneStore.FirstLanes(c3, c + 3 * ldc, cols);
        Int8LaneStore.FirstLanes(c4, c + 4 * ldc, cols);
        Int8LaneStore.FirstLanes(c5, c + 5 * ldc, cols);
        Int8LaneStore.FirstLanes(c6, c + 6 * ldc, cols);
        Int8LaneStore.FirstLanes(c7, c + 7 * ldc, cols);
    }

    /// <summary>1 pixel × one tile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void One(short* a, int* offsets, int pairs, short* w, int* c, int cols)
    {
        Vector512<int> c0 = default, c1 = default;
        int q = 0;
        for (; q + 2 <= pairs; q += 2, w += 64)
        {
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + offsets[q])).AsInt16(), Vector512.Load(w));
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + offsets[q + 1])).AsInt16(), Vector512.Load(w + 32));
        }
        if (q < pairs) c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + offsets[q])).AsInt16(), Vector512.Load(w));
        Int8LaneStore.FirstLanes(c0 + c1, c, cols);
    }

    /// <summary>
    /// Two 2×2 pool windows side by side × one tile: pixels a + {0, 1, 2, 3}·step on two rows
    /// (<paramref name="rowStep"/> apart); the max of the first window's four sums at c, of the second's at c + ldc.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void PooledTwo(short* a, int step, long rowStep, int* offsets, int pairs, short* w, int* c, int ldc, int cols)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        short* a1 = a + step, a2 = a1 + step, a3 = a2 + step;
        short* d0 = a + rowStep, d1 = d0 + step, d2 = d1 + step, d3 = d2 + step;
        for (int q = 0; q < pairs; q++, w += 32)
        {
            int o = offsets[q];
            var b = Vector512.Load(w);
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + o)).AsInt16(), b);
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a1 + o)).AsInt16(), b);
            c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d0 + o)).AsInt16(), b);
            c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d1 + o)).AsInt16(), b);
            c4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a2 + o)).AsInt16(), b);
            c5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a3 + o)).AsInt16(), b);
            c6 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d2 + o)).AsInt16(), b);
            c7 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d3 + o)).AsInt16(), b);
        }
        Int8LaneStore.FirstLanes(Vector512.Max(Vector512.Max(c0, c1), Vector512.Max(c2, c3)), c, cols);
        Int8LaneStore.FirstLanes(Vector512.Max(Vector512.Max(c4, c5), Vector512.Max(c6, c7)), c + ldc, cols);
    }

    /// <summary>One 2×2 pool window (pixels a, a + step and the same a row below) × one tile: the max of its four sums at c.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void PooledOne(short* a, int step, long rowStep, int* offsets, int pairs, short* w, int* c, int cols)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;
        short* a1 = a + step, d0 = a + rowStep, d1 = d0 + step;
        for (int q = 0; q < pairs; q++, w += 32)
        {
            int o = offsets[q];
            var b = Vector512.Load(w);
            c0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a + o)).AsInt16(), b);
            c1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(a1 + o)).AsInt16(), b);
            c2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d0 + o)).AsInt16(), b);
            c3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(d1 + o)).AsInt16(), b);
        }
        Int8LaneStore.FirstLanes(Vector512.Max(Vector512.Max(c0, c1), Vector512.Max(c2, c3)), c, cols);
    }
}
