using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The narrow-N path (N ≤ 16 columns, 512-bit level): a classifier's last Dense layer (128×128·128×10
// at batch 128) and its weight gradient. The 8×32 micro-kernel pads 10 columns to 32, so 69 % of
// its multiply-adds are wasted and every tile is an edge tile copied out of a scratch tile; the
// bench measured ~60 GFLOP/s per CPU second there against ~230 for square products.
// Here op(B) (k×N) is packed once per call into rows of one 16-float vector (zero past N), and an
// 8×16 tile (8 zmm accumulators, one per row of C) runs down k with A read in place: 8 row
// pointers when A is not transposed, one pointer down the columns when it is. C is loaded and
// stored with an N-lane mask. Threads take blocks of rows of C; the packed B is read by all.
// Summation order is the packed path's exactly (k blocks of GemmBlocking.Kc, each summed from zero
// with one fused multiply-add per product in k order, then added to C), so each element has the
// same bits as on the packed path, for any thread count and any number of rows in the call.

/// <summary>C (+)= op(A)·op(B) for at most 16 columns of C (see the notes above).</summary>
internal sealed unsafe class GemmNarrowN : IParallelBody
{
    /// <summary>The most columns of C this path takes (one 512-bit vector).</summary>
    public const int MaxColumns = 16;

    /// <summary>Rows of C per tile.</summary>
    private const int Rows = 8;

    /// <summary>The most k rows of op(B) packed at once (the calling thread's B buffer).</summary>
    private const int MaxDepth = GemmBlocking.BPanelFloats / MaxColumns;

    [ThreadStatic] private static GemmNarrowN? t_instance;

    private GemmArgs _args;
    private float* _packedB;
    private int _depth0, _depth, _tasks, _units;

    /// <summary>Whether a call with these operands runs here (on this CPU).</summary>
    public static bool Applies(in GemmArgs args) =>
        args.N <= MaxColumns && Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Runs the call; the caller has checked <see cref="Applies"/>.</summary>
    public static void Multiply(in GemmArgs args)
    {
        KernelBounds.Check(Applies(args));
        var body = t_instance ??= new GemmNarrowN();
        float* packed = GemmBlocking.Buffers.B;
        int units = (args.M + Rows - 1) / Rows;
        long work = (long)args.M * MaxColumns * args.K;
        int threads = WorkerPool.Shared.ThreadCount;
        int tasks = work < GemmBlocking.ParallelThreshold || threads == 1
            ? 1
            : (int)Math.Min(Math.Min(units, threads * GemmBlocking.SharedTasksPerThread), Math.Max(threads, work / GemmBlocking.ParallelThreshold));
        // k in chunks that fit the packing buffer, each a whole number of Kc blocks.
        int chunk = MaxDepth / GemmBlocking.Kc * GemmBlocking.Kc;
        for (int p0 = 0; p0 < args.K; p0 += chunk)
        {
            int depth = Math.Min(chunk, args.K - p0);
            PackB(args, p0, depth, packed);
            body._args = args;
            body._packedB = packed;
            body._depth0 = p0;
            body._depth = depth;
            body._tasks = tasks;
            body._units = units;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally
            {
                body._args = default;
                body._packedB = null;
            }
        }
    }

    /// <summary>Rows of C of task <paramref name="index"/>, over k rows _depth0.._depth0+_depth.</summary>
    public void Execute(int index)
    {
        int r0 = (int)((long)index * _units / _tasks) * Rows, r1 = Math.Min(_args.M, (int)((long)(index + 1) * _units / _tasks) * Rows);
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(_args.N)).AsSingle();
        nint lda = _args.Lda, ldc = _args.Ldc;
        for (int p = 0; p < _depth; p += GemmBlocking.Kc)
        {
            int pc = _depth0 + p, kc = Math.Min(GemmBlocking.Kc, _depth - p);
            bool accumulate = _args.Accumulate || pc > 0;
            float* b = _packedB + (nint)p * MaxColumns;
            for (int i = r0; i < r1; i += Rows)
            {
                int rows = Math.Min(Rows, r1 - i);
                float* c = _args.C + i * ldc;
                KernelBounds.Range(i * ldc, (rows - 1) * ldc + _args.N, _args.LengthC);
                if (_args.TransA)
                {
                    float* a = _args.A + pc * lda + i;
                    KernelBounds.Range(a - _args.A, (kc - 1) * lda + rows, _args.LengthA);
                    TileAColumns(kc, a, lda, rows, b, c, ldc, mask, accumulate);
                }
                else
                {
                    float* a = _args.A + i * lda + pc;
                    KernelBounds.Range(a - _args.A, (rows - 1) * lda + kc, _args.LengthA);
                    TileARows(kc, a, lda, rows, b, c, ldc, mask, accumulate);
                }
            }
        }
    }

    /// <summary>op(B)[p0..p0+depth, 0..N] into rows of 16 floats, zero past N.</summary>
    private static void PackB(in GemmArgs args, int p0, int depth, float* dst)
    {
        int n = args.N;
        if (args.TransB)
        {
            // op(B)[p, j] = B[j·ldb + p]: N contiguous runs along k, written down the 16-float rows.
            KernelBounds.Range(p0, (n - 1) * args.Ldb + depth, args.LengthB);
            new Span<float>(dst, depth * MaxColumns).Clear();
            for (int j = 0; j < n; j++)
            {
                float* s = args.B + j * args.Ldb + p0, d = dst + j;
                for (int p = 0; p < depth; p++, d += MaxColumns) *d = s[p];
            }
            return;
        }
        KernelBounds.Range(p0 * args.Ldb, (depth - 1) * args.Ldb + n, args.LengthB);
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        float* src = args.B + p0 * args.Ldb;
        for (int p = 0; p < depth; p++, src += args.Ldb, dst += MaxColumns)
            Avx512F.MaskLoad(src, mask, Vector512<float>.Zero).Store(dst);
    }

    /// <summary>
    /// An 8×16 tile with A not transposed: row r of the tile at a + r·lda, k along the row. Rows past
    /// <paramref name="rows"/> repeat the last row (read, never stored).
    /// </summary>
    private static void TileARows(int kc, float* a, nint lda, int rows, float* b, float* c, nint ldc, Vector512<float> mask, bool accumulate)
    {
        float* a0 = a, a1 = a + Math.Min(1, rows - 1) * lda, a2 = a + Math.Min(2, rows - 1) * lda, a3 = a + Math.Min(3, rows - 1) * lda;
        float* a4 = a + Math.Min(4, rows - 1) * lda, a5 = a + Math.Min(5, rows - 1) * lda, a6 = a + Math.Min(6, rows - 1) * lda, a7 = a + Math.Min(7, rows - 1) * lda;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (nint p = 0; p < kc; p++, b += MaxColumns)
        {
            var bv = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), bv, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), bv, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), bv, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[p]), bv, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[p]), bv, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[p]), bv, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[p]), bv, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[p]), bv, c7);
        }
        StoreRows(c, ldc, rows, mask, accumulate, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>An 8×16 tile with A transposed: element (r, p) at a[p·lda + r], the 8 rows side by side.</summary>
    private static void TileAColumns(int kc, float* a, nint lda, int rows, float* b, float* c, nint ldc, Vector512<float> mask, bool accumulate)
    {
        if (rows < Rows)
        {
            TileAColumnsPartial(kc, a, lda, rows, b, c, ldc, mask, accumulate);
            return;
        }
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++, a += lda, b += MaxColumns)
        {
            var bv = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), bv, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), bv, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), bv, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), bv, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), bv, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), bv, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), bv, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), bv, c7);
        }
        StoreRows(c, ldc, Rows, mask, accumulate, c0, c1, c2, c3, c4, c5, c6, c7);
    }

    /// <summary>The last rows (fewer than 8) with A transposed, one row at a time.</summary>
    private static void TileAColumnsPartial(int kc, float* a, nint lda, int rows, float* b, float* c, nint ldc, Vector512<float> mask, bool accumulate)
    {
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Vector512<float> s = default;
            float* ap = a + r, bp = b;
            for (int p = 0; p < kc; p++, ap += lda, bp += MaxColumns)
                s = Vector512.FusedMultiplyAdd(Vector512.Create(*ap), Vector512.Load(bp), s);
            Store(c, mask, accumulate, s);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(float* c, nint ldc, int rows, Vector512<float> mask, bool accumulate,
        Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3,
        Vector512<float> c4, Vector512<float> c5, Vector512<float> c6, Vector512<float> c7)
    {
        Store(c, mask, accumulate, c0);
        if (rows > 1) Store(c + ldc, mask, accumulate, c1);
        if (rows > 2) Store(c + 2 * ldc, mask, accumulate, c2);
        if (rows > 3) Store(c + 3 * ldc, mask, accumulate, c3);
        if (rows > 4) Store(c + 4 * ldc, mask, accumulate, c4);
        if (rows > 5) Store(c + 5 * ldc, mask, accumulate, c5);
        if (rows > 6) Store(c + 6 * ldc, mask, accumulate, c6);
        if (rows > 7) Store(c + 7 * ldc, mask, accumulate, c7);
    }

    /// <summary>C row (first N lanes) = sum, or C row + sum when accumulating (the packed path's order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> mask, bool accumulate, Vector512<float> sum)
    {
        if (accumulate) sum += Avx512F.MaskLoad(c, mask, Vector512<float>.Zero);
        Avx512F.MaskStore(c, mask, sum);
    }
}
