using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The inner loops of <see cref="Int8ImplicitConv"/> (vpdpbusd): output pixels whose windows are
/// read in place, quad q of pixel i at <c>a + i·step + offsets[q]</c>, times tiles of
/// <see cref="Int8Weights"/> in the Vnni256 layout; int32 sums stored (not added) to C, one row of
/// C per pixel. <c>cols</c> ≤ 16 channels of the last tile are kept. Never inlined: each keeps
/// up to 21 vectors in registers.
/// </summary>
internal static unsafe class Int8WindowKernels
{
    /// <summary>4 pixels × two adjacent full tiles (32 channels, 16 accumulators).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void Four2(byte* a, int step, int* offsets, int quads, sbyte* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<int> c30 = default, c31 = default, c32 = default, c33 = default;
        byte* a1 = a + step, a2 = a1 + step, a3 = a2 + step;
        sbyte* d = b + (long)quads * 64;
        for (int q = 0; q < quads; q++, b += 64, d += 64)
        {
            int o = offsets[q];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var b2 = Vector256.Load(d);
            var b3 = Vector256.Load(d + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + o)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            c02 = AvxVnni.MultiplyWideningAndAdd(c02, x, b2);
            c03 = AvxVnni.MultiplyWideningAndAdd(c03, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + o)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, x, b2);
            c13 = AvxVnni.MultiplyWideningAndAdd(c13, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + o)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            c22 = AvxVnni.MultiplyWideningAndAdd(c22, x, b2);
            c23 = AvxVnni.MultiplyWideningAndAdd(c23, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + o)).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
            c32 = AvxVnni.MultiplyWideningAndAdd(c32, x, b2);
            c33 = AvxVnni.MultiplyWideningAndAdd(c33, x, b3);
        }
        int* r = c;
        c00.Store(r); c01.Store(r + 8); c02.Store(r + 16); c03.Store(r + 24);
        r += ldc;
        c10.Store(r); c11.Store(r + 8); c12.Store(r + 16); c13.Store(r + 24);
        r += ldc;
        c20.Store(r); c21.Store(r + 8); c22.Store(r + 16); c23.Store(r + 24);
        r += ldc;
        c30.Store(r); c31.Store(r + 8); c32.Store(r + 16); c33.Store(r + 24);
    }

    /// <summary>
    /// Whether a layer of exactly one full tile (16 output channels, the residual CNN's 16 → 16) sums 8 pixels
    /// per call (<see cref="Eight"/>) instead of 4: on Intel (Emerald Rapids, docs/benchmarks.md, iint8); tests
    /// turn it on and off wherever VNNI runs. AMD keeps <see cref="Four"/>.
    /// </summary>
    internal static bool EightPixels { get; set; } = CpuIdentity.IsIntel;

    /// <summary>
    /// 8 pixels × one full tile (16 channels, 16 accumulators): each quad's two weight vectors serve 8
    /// pixels (16 <c>vpdpbusd</c> per 2 weight loads and 8 broadcasts, against <see cref="Four"/>'s 8 per
    /// 2 and 4), and 16 independent sums cover the instruction's latency at two per cycle.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void Eight(byte* a, int step, int* offsets, int quads, sbyte* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<int> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        byte* a1 = a + step, a2 = a1 + step, a3 = a2 + step, a4 = a3 + step, a5 = a4 + step, a6 = a5 + step, a7 = a6 + step;
        for (int q = 0; q < quads; q++, b += 64)
        {
            int o = offsets[q];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + o)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + o)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + o)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + o)).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a4 + o)).AsByte();
            c40 = AvxVnni.MultiplyWideningAndAdd(c40, x, b0);
            c41 = AvxVnni.MultiplyWideningAndAdd(c41, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a5 + o)).AsByte();
            c50 = AvxVnni.MultiplyWideningAndAdd(c50, x, b0);
            c51 = AvxVnni.MultiplyWideningAndAdd(c51, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a6 + o)).AsByte();
            c60 = AvxVnni.MultiplyWideningAndAdd(c60, x, b0);
            c61 = AvxVnni.MultiplyWideningAndAdd(c61, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a7 + o)).AsByte();
            c70 = AvxVnni.MultiplyWideningAndAdd(c70, x, b0);
            c71 = AvxVnni.MultiplyWideningAndAdd(c71, x, b1);
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 8);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 8);
    }

    /// <summary>4 pixels × one tile.</summary>
    /// <summary>
    /// A 2×2 max-pool window of pixels (at a, a + step, a + rowStep, a + rowStep + step) × two full
    /// tiles: the four pixels' sums as in <see cref="Four2"/>, and only their max stored (32 ints at c).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void Pooled2x2(byte* a, int step, long rowStep, int* offsets, int quads, sbyte* b, int* c)
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<int> c30 = default, c31 = default, c32 = default, c33 = default;
        byte* a1 = a + step, a2 = a + rowStep, a3 = a2 + step;
        sbyte* d = b + (long)quads * 64;
        for (int q = 0; q < quads; q++, b += 64, d += 64)
        {
            int o = offsets[q];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var b2 = Vector256.Load(d);
            var b3 = Vector256.Load(d + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + o)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            c02 = AvxVnni.MultiplyWideningAndAdd(c02, x, b2);
            c03 = AvxVnni.MultiplyWideningAndAdd(c03, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + o)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, x, b2);
            c13 = AvxVnni.MultiplyWideningAndAdd(c13, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + o)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            c22 = AvxVnni.MultiplyWideningAndAdd(c22, x, b2);
            c23 = AvxVnni.MultiplyWideningAndAdd(c23, x, b3);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + o)).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
            c32 = AvxVnni.MultiplyWideningAndAdd(c32, x, b2);
            c33 = AvxVnni.MultiplyWideningAndAdd(c33, x, b3);
        }
        Vector256.Max(Vector256.Max(c00, c10), Vector256.Max(c20, c30)).Store(c);
        Vector256.Max(Vector256.Max(c01, c11), Vector256.Max(c21, c31)).Store(c + 8);
        Vector256.Max(Vector256.Max(c02, c12), Vector256.Max(c22, c32)).Store(c + 16);
        Vector256.Max(Vector256.Max(c03, c13), Vector256.Max(c23, c33)).Store(c + 24);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void Four(byte* a, int step, int* offsets, int quads, sbyte* b, int* c, int ldc, int cols)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        byte* a1 = a + step, a2 = a1 + step, a3 = a2 + step;
        for (int q = 0; q < quads; q++, b += 64)
        {
            int o = offsets[q];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + o)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0);
            c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + o)).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + o)).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0);
            c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            x = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + o)).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0);
            c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
        }
        Store(c00, c01, c, cols);
        Store(c10, c11, c + ldc, cols);
        Store(c20, c21, c + 2 * ldc, cols);
        Store(c30, c31, c + 3 * ldc, cols);
    }

    /// <summary>1 pixel × one tile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // inlined into a large caller, the accumulators would spill
    public static void One(byte* a, int* offsets, int quads, sbyte* b, int* c, int cols)
    {
        Vector256<int> c0 = default, c1 = default;
        for (int q = 0; q < quads; q++, b += 64)
        {
            var x = Vector256.Create(Unsafe.ReadUnaligned<int>(a + offsets[q])).AsByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b + 32));
        }
        Store(c0, c1, c, cols);
    }

    /// <summary>
    /// The first <paramref name="cols"/> of a tile's 16 sums at <paramref name="c"/>: plain stores, or masked ones
    /// (<c>vpmaskmovd</c>, which never touches the lanes masked off) for a last tile of fewer channels.
    /// </summary>
    /// <remarks>
    /// Inlined and free of calls: a call after the loop (the sums live across it, and every vector
    /// register is caller-saved) made the JIT keep six of <see cref="Four"/>'s eight accumulators on
    /// the stack inside the loop — a store and a reload per accumulator per quad (seen in its
    /// disassembly), which held the residual CNN's 16-channel convolutions to about float's speed.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<int> lo, Vector256<int> hi, int* c, int cols)
    {
        if (cols == Int8Weights.TileN)
        {
            lo.Store(c);
            hi.Store(c + 8);
            return;
        }
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var count = Vector256.Create(cols);
        Avx2.MaskStore(c, Vector256.LessThan(lane, count), lo);
        Avx2.MaskStore(c + 8, Vector256.LessThan(lane + Vector256.Create(8), count), hi);
    }
}
