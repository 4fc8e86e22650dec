using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The VNNI GEMM for activations with many zero quads (u8 after a ReLU whose zero point is 0: the
/// seed CNN's flattened conv + pool output has 41–59 % of its 4-byte groups all zero on MNIST):
/// each row's non-zero quads are listed, and only those meet the weights. A zero quad adds 0 to
/// every sum whatever the weights, so the int32 sums are exactly those of
/// <see cref="Int8MicroKernels"/> (the same bits; naive twin <c>Reference.NaiveInt8.Gemm</c>).
/// </summary>
/// <remarks>
/// The weights stay in <see cref="Int8Weights"/>' VNNI tile layout. K is walked in panels of
/// <see cref="PanelQuads"/> quads (for 128 channels, 32 KB: they stay in L1 while every row of
/// the block passes over them); per row and panel the non-zero quads and their weight offsets are
/// compressed into two short lists (<c>vpcompressd</c>), then four tiles (64 channels, 8
/// accumulators) or one take <c>vpdpbusd</c> for each listed quad, the sums carried from panel to
/// panel in C. Without branches on the data, the cost follows the number of non-zero quads:
/// <see cref="Pays"/> decides from a count made first.
/// </remarks>
internal static unsafe class Int8GemmZeroQuads
{
    /// <summary>Quads of K per panel (a multiple of 16, the quads one 512-bit compare tests).</summary>
    public const int PanelQuads = 64;

    /// <summary>
    /// Whether this kernel runs these weights: the VNNI layout, whole 16-channel tiles (C is
    /// added to from panel to panel, 16 channels at a time), AVX-512 for the compress.
    /// </summary>
    public static bool Applies(Int8Weights w) =>
        w.Path == Int8Path.Vnni256 && Avx512F.IsSupported && AvxVnni.IsSupported && w.N > 0 && w.N % Int8Weights.TileN == 0;

    /// <summary>
    /// Whether skipping pays for these rows: at most <see cref="MostNonZeroPercent"/> % of their
    /// quads (<see cref="MostNonZeroPercentOneRow"/> % below 4 rows) hold a non-zero byte (a count over A,
    /// about 1 % of the product's time).
    /// </summary>
    public static bool Pays(byte* a, int lda, int rows, int k)
    {
        long quads = (long)rows * ((k + 3) / 4);
        if (quads == 0) return false;
        return NonZeroQuads(a, lda, rows, k) * 100 <= quads * (rows < 4 ? MostNonZeroPercentOneRow : MostNonZeroPercent);
    }

    /// <summary>
    /// The share of non-zero quads up to which this kernel beats the dense one's blocks of 4 rows, in
    /// percent. Measured (one thread, shared 2-core Zen 5, 64 rows, K = 5,408, N = 128, CPU time): a
    /// listed quad costs about 1.75× a quad of the dense kernel (each <c>vpdpbusd</c> loads its own
    /// weights; the dense kernel reuses them over 4 rows): 1.17× faster at 41 % non-zero, 0.86× at 61 %.
    /// </summary>
    public const int MostNonZeroPercent = 50;

    /// <summary>
    /// The same below 4 rows (batch 1), where the dense kernel streams every weight from L2 too:
    /// 1.50× faster at 41 % non-zero, 1.28× at 60 %, 1.11× at 80 %, 0.95× at 99 %.
    /// </summary>
    public const int MostNonZeroPercentOneRow = 90;

    /// <summary>
    /// Quads of the rows' first <paramref name="k"/> bytes with a non-zero byte; the last quad of
    /// a row counts the bytes past k that the product reads too (the caller's readable slack).
    /// </summary>
    public static long NonZeroQuads(byte* a, int lda, int rows, int k)
    {
        int quads = (k + 3) / 4, whole = k / 64 * 16;
        long count = 0;
        for (int r = 0; r < rows; r++)
        {
            byte* row = a + (long)r * lda;
            int q = 0;
            for (; q < whole; q += 16)
                count += BitOperations.PopCount(Vector512.Equals(Vector512.Load((int*)(row + 4 * q)), Vector512<int>.Zero).ExtractMostSignificantBits() ^ 0xFFFFu);
            for (; q < quads; q++)
                if (Unsafe.ReadUnaligned<int>(row + 4 * q) != 0) count++;
        }
        return count;
    }

    /// <summary>
    /// C = A · W for <paramref name="rows"/> rows (<see cref="Applies"/> must hold). A's rows are read
    /// in place, 4 bytes at a time: the caller keeps <see cref="Int8Gemm.Slack"/> readable bytes after
    /// A's last value (the weights' zero padding makes them count for nothing).
    /// </summary>
    public static void MultiplyRows(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int quads = w.Quads, k = w.K, tiles = w.Tiles;
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        int* values = stackalloc int[PanelQuads + 16];
        int* offsets = stackalloc int[PanelQuads + 16];
        fixed (sbyte* pw = w.Bytes)
        {
            for (int q0 = 0; q0 < quads; q0 += PanelQuads)
            {
                int q1 = Math.Min(quads, q0 + PanelQuads);
                bool first = q0 == 0;
                for (int r = 0; r < rows; r++)
                {
                    int count = List(a + (long)r * lda, q0, q1, k, values, offsets);
                    int* cr = c + (long)r * ldc;
                    int t = 0;
                    for (; t + 4 <= tiles; t += 4)
                        Tiles4(values, offsets, count, pw + t * tileBytes, tileBytes, cr + t * Int8Weights.TileN, first);
                    for (; t < tiles; t++)
                        Tile1(values, offsets, count, pw + t * tileBytes, cr + t * Int8Weights.TileN, first);
                }
            }
        }
    }

    /// <summary>
    /// The non-zero quads among quads <paramref name="q0"/>..<paramref name="q1"/>−1 of a row, in
    /// order: their 4 bytes in <paramref name="values"/> and their offsets in a weight tile (64 bytes
    /// per quad) in <paramref name="offsets"/>; returns how many. Both lists need 16 spare entries.
    /// </summary>
    internal static int List(byte* row, int q0, int q1, int k, int* values, int* offsets)
    {
        int n = 0, q = q0;
        int whole = Math.Min(q1, k / 64 * 16); // quads in whole 64-byte loads inside the row
        var lanes = Vector512.Create(0, 64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 832, 896, 960);
        for (; q + 16 <= whole; q += 16)
        {
            var v = Vector512.Load((int*)(row + 4 * q));
            var nonZero = ~Vector512.Equals(v, Vector512<int>.Zero);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, v).Store(values + n);
            Avx512F.Compress(Vector512<int>.Zero, nonZero, lanes + Vector512.Create(64 * q)).Store(offsets + n);
            n += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
        }
        for (; q < q1; q++)
        {
            int v = Unsafe.ReadUnaligned<int>(row + 4 * q);
            values[n] = v;
            offsets[n] = 64 * q;
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    /// <summary>Four adjacent tiles (64 channels) of one row: the listed quads added to C (set when <paramref name="first"/>).</summary>
    private static void Tiles4(int* values, int* offsets, int count, sbyte* b0, long tileBytes, int* c, bool first)
    {
        Vector256<int> c0, c1, c2, c3, c4, c5, c6, c7;
        if (first)
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = Vector256<int>.Zero;
        }
        else
        {
            c0 = Vector256.Load(c); c1 = Vector256.Load(c + 8); c2 = Vector256.Load(c + 16); c3 = Vector256.Load(c + 24);
            c4 = Vector256.Load(c + 32); c5 = Vector256.Load(c + 40); c6 = Vector256.Load(c + 48); c7 = Vector256.Load(c + 56);
        }
        sbyte* b1 = b0 + tileBytes, b2 = b1 + tileBytes, b3 = b2 + tileBytes;
        for (int i = 0; i < count; i++)
        {
            var x = Vector256.Create(values[i]).AsByte();
            nint o = offsets[i];
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b0 + o));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b0 + o + 32));
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, x, Vector256.Load(b1 + o));
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, x, Vector256.Load(b1 + o + 32));
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, x, Vector256.Load(b2 + o));
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, x, Vector256.Load(b2 + o + 32));
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, x, Vector256.Load(b3 + o));
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, x, Vector256.Load(b3 + o + 32));
        }
        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    /// <summary>One tile (16 channels) of one row, as <see cref="Tiles4"/>.</summary>
    private static void Tile1(int* values, int* offsets, int count, sbyte* b, int* c, bool first)
    {
        var c0 = first ? Vector256<int>.Zero : Vector256.Load(c);
        var c1 = first ? Vector256<int>.Zero : Vector256.Load(c + 8);
        for (int i = 0; i < count; i++)
        {
            var x = Vector256.Create(values[i]).AsByte();
            nint o = offsets[i];
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x, Vector256.Load(b + o));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x, Vector256.Load(b + o + 32));
        }
        c0.Store(c);
        c1.Store(c + 8);
    }
}
