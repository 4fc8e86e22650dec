using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Pointers, strides and flags of one GEMM call (validated by <see cref="Gemm"/>).</summary>
internal unsafe struct GemmArgs
{
    public float* A, B, C;
    public long LengthA, LengthB, LengthC; // floats behind A, B, C (bounds assertions)
    public nint Lda, Ldb, Ldc;
    public int M, N, K;
    public bool TransA, TransB, Accumulate;
}

/// <summary>
/// The GotoBLAS loop nest for one micro-kernel: splits C into regions for the worker pool and runs
/// jc (NC columns) → pc (KC deep) → ic (MC rows) → ir (Mr) → jr (Nr) inside each region.
/// </summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IGemmMicroKernel
{
    /// <summary>Runs the call; <paramref name="packedB"/>, when given, replaces B (already packed).</summary>
    public static void Multiply(in GemmArgs args, GemmPackedB? packedB)
    {
        int unitsM = (args.M + TKernel.Mr - 1) / TKernel.Mr, unitsN = (args.N + TKernel.Nr - 1) / TKernel.Nr;
        int threads = WorkerPool.Shared.ThreadCount;
        if (packedB is null && GemmSplitK<TKernel>.Applies(args, threads))
        {
            GemmSplitK<TKernel>.Multiply(args, threads);
            return;
        }
        bool rowBands = packedB is null && GemmRowBands.Applies(args, threads);
        bool shared = !rowBands && packedB is null && SharesB(args, threads);
        var (tasksM, tasksN) = rowBands ? (threads, 1)
            : shared ? PartitionShared(args, unitsM, unitsN, threads)
            : Partition(args, unitsM, unitsN, threads, packedB is not null);
        if (tasksM * tasksN == 1)
        {
            if (packedB is null) RunRegion(args, 0, args.M, 0, args.N);
            else RunPackedRegion(args, packedB, 0, args.M, 0, args.N);
            return;
        }
        GemmTasks<TKernel>.ForThisThread.Run(args, packedB, shared, tasksM, tasksN, unitsM, unitsN);
    }

    /// <summary>
    /// Chooses a tasksM×tasksN grid of regions over C: about <see cref="GemmBlocking.TasksPerThread"/>
    /// regions per thread (so a thread slowed by other work just takes fewer of them), shaped to
    /// minimise the largest region's multiply-adds (padded to whole tiles) plus a rough packing
    /// term. Only the split depends on the thread count, never an element's summation order.
    /// </summary>
    private static (int TasksM, int TasksN) Partition(in GemmArgs args, int unitsM, int unitsN, int threads, bool prepacked)
    {
        long work = (long)args.M * args.N * args.K;
        if (threads == 1 || work < GemmBlocking.ParallelThreshold) return (1, 1);
        int perThread = work < GemmBlocking.OneRegionPerThreadBelow ? 1 : GemmBlocking.TasksPerThread;
        int goal = (int)Math.Min(threads * perThread, Math.Max(threads, work / GemmBlocking.ParallelThreshold));
        int nc = GemmBlocking.Nc(Math.Min(args.K, GemmBlocking.Kc), TKernel.Nr);
        for (int count = goal; count >= threads; count--)
        {
            (int, int) best = (0, 0);
            double bestCost = double.MaxValue;
            for (int tm = 1; tm <= count; tm++)
            {
                int tn = count / tm;
                if (count % tm != 0 || tm > unitsM || tn > unitsN) continue;
                long rows = (long)((unitsM + tm - 1) / tm) * TKernel.Mr, cols = (long)((unitsN + tn - 1) / tn) * TKernel.Nr;
                double cost = prepacked
                    ? rows * cols * args.K + GemmBlocking.PackCost * args.K * rows
                    : rows * cols * args.K + GemmBlocking.PackCost * args.K * (cols + rows * ((cols + nc - 1) / nc));
                if (cost < bestCost) (bestCost, best) = (cost, (tm, tn));
            }
            if (best.Item1 > 0) return best;
        }
        int fallback = Math.Min(threads, unitsM);
        return (fallback, 1);
    }

    /// <summary>
    /// Whether a parallel call packs op(B) once for all its regions (<see cref="GemmSharedB"/>):
    /// the middle sizes, where each region's own packing costs a few per cent of the call; from
    /// about 1024² floats of B on, regions are large enough for their own packing to pay less.
    /// </summary>
    private static bool SharesB(in GemmArgs args, int threads) =>
        GemmBlocking.SharedBEnabled && threads > 1 && (long)args.M * args.N * args.K >= GemmBlocking.ParallelThreshold
        && (long)args.K * ((args.N + TKernel.Nr - 1) / TKernel.Nr * TKernel.Nr) <= GemmBlocking.SharedBMaxFloats;

    /// <summary>
    /// The grid over C when B is packed once (<see cref="SharesB"/>): about
    /// <see cref="GemmBlocking.SharedTasksPerThread"/> regions per thread, since more regions no longer
    /// pack B again; shaped to minimise the largest region's multiply-adds plus what it reads
    /// (its packed B, its A read in place) or packs (A when not read in place).
    /// </summary>
    private static (int TasksM, int TasksN) PartitionShared(in GemmArgs args, int unitsM, int unitsN, int threads)
    {
        long work = (long)args.M * args.N * args.K;
        int goal = (int)Math.Min(threads * GemmBlocking.SharedTasksPerThread, Math.Max(threads, work / GemmBlocking.ParallelThreshold));
        int nc = GemmBlocking.Nc(Math.Min(args.K, GemmBlocking.Kc), TKernel.Nr);
        // A transposed A read in place still costs about what packing it did (each tile re-reads it
        // from L2): the grid stays the one chosen for packing it (measured: 128×128×2048 Aᵀ 5 % slower
        // on the grid for A read for free).
        double aCost = InPlaceA(args) && !args.TransA ? GemmBlocking.ReadCost : GemmBlocking.PackCost;
        for (int count = goal; count >= threads; count--)
        {
            (int, int) best = (0, 0);
            double bestCost = double.MaxValue;
            for (int tm = 1; tm <= count; tm++)
            {
                int tn = count / tm;
                if (count % tm != 0 || tm > unitsM || tn > unitsN) continue;
                long rows = (long)((unitsM + tm - 1) / tm) * TKernel.Mr, cols = (long)((unitsN + tn - 1) / tn) * TKernel.Nr;
                double cost = rows * cols * args.K + GemmBlocking.ReadCost * args.K * cols + aCost * args.K * rows * ((cols + nc - 1) / nc);
                if (cost < bestCost) (bestCost, best) = (cost, (tm, tn));
            }
            if (best.Item1 > 0) return best;
        }
        return (Math.Min(threads, unitsM), 1);
    }

    /// <summary>Computes C[rows r0..r1, columns c0..c1] over the whole k range.</summary>
    public static void RunRegion(in GemmArgs args, int r0, int r1, int c0, int c1)
    {
        var buffers = GemmBlocking.Buffers;
        int k = args.K;
        int nc = GemmBlocking.Nc(Math.Min(k, GemmBlocking.Kc), TKernel.Nr);
        int mc = GemmBlocking.McRows / TKernel.Mr * TKernel.Mr;
        for (int jc = c0; jc < c1; jc += nc)
        {
            int ncur = Math.Min(nc, c1 - jc);
            for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
            {
                int kc = Math.Min(GemmBlocking.Kc, k - pc);
                bool accumulate = args.Accumulate || pc > 0;
                PackB(args, pc, kc, jc, ncur, buffers.B);
                for (int ic = r0; ic < r1; ic += mc)
                {
                    int mcur = Math.Min(mc, r1 - ic);
                    float* inPlaceA = PrepareA(args, pc, kc, ic, mcur, buffers.A);
                    KernelBounds.Range(ic * args.Ldc + jc, (mcur - 1) * args.Ldc + ncur, args.LengthC);
                    MacroKernel(mcur, ncur, kc, buffers.A, inPlaceA, args.Lda, args.TransA, PrefetchesA(args, kc, ncur), buffers.B, buffers.Tile, args.C + ic * args.Ldc + jc, args.Ldc, accumulate);
                }
            }
        }
    }

    /// <summary>
    /// Computes C[rows r0..r1, columns c0..c1] (c0 a multiple of Nr) over the whole k range, with
    /// op(B) from the call's shared buffer, packed there by whichever region needs a group first.
    /// </summary>
    public static void RunSharedRegion(in GemmArgs args, GemmSharedB sharedB, int r0, int r1, int c0, int c1)
    {
        KernelBounds.Check(c0 % TKernel.Nr == 0);
        var buffers = GemmBlocking.Buffers;
        int k = args.K;
        int nc = GemmBlocking.Nc(Math.Min(k, GemmBlocking.Kc), TKernel.Nr);
        int mc = GemmBlocking.McRows / TKernel.Mr * TKernel.Mr;
        for (int jc = c0; jc < c1; jc += nc)
        {
            int ncur = Math.Min(nc, c1 - jc);
            for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
            {
                int kc = Math.Min(GemmBlocking.Kc, k - pc);
                bool accumulate = args.Accumulate || pc > 0;
                sharedB.Ensure(pc, kc, jc, jc + ncur);
                float* b = sharedB.Block(pc) + (nint)jc * kc;
                for (int ic = r0; ic < r1; ic += mc)
                {
                    int mcur = Math.Min(mc, r1 - ic);
                    float* inPlaceA = PrepareA(args, pc, kc, ic, mcur, buffers.A);
                    KernelBounds.Range(ic * args.Ldc + jc, (mcur - 1) * args.Ldc + ncur, args.LengthC);
                    MacroKernel(mcur, ncur, kc, buffers.A, inPlaceA, args.Lda, args.TransA, PrefetchesA(args, kc, ncur), b, buffers.Tile, args.C + ic * args.Ldc + jc, args.Ldc, accumulate);
                }
            }
        }
    }

    /// <summary>
    /// Computes C[rows r0..r1, columns c0..c1] (c0 a multiple of Nr) from a prepacked B. Per k block
    /// and MC rows of packed A, the column micro-panels are the outer loop: each B micro-panel is
    /// read once per block of rows while the few A panels (batch rows) stay in L1/L2.
    /// </summary>
    public static void RunPackedRegion(in GemmArgs args, GemmPackedB packedB, int r0, int r1, int c0, int c1)
    {
        KernelBounds.Check(c0 % TKernel.Nr == 0 && packedB.PaddedN == args.Ldb);
        var buffers = GemmBlocking.Buffers;
        int k = args.K;
        int mc = GemmBlocking.McRows / TKernel.Mr * TKernel.Mr;
        for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
        {
            int kc = Math.Min(GemmBlocking.Kc, k - pc);
            bool accumulate = args.Accumulate || pc > 0;
            float* block = packedB.Block(pc);
            KernelBounds.Range((long)pc * packedB.PaddedN + (long)c0 * kc, (long)kc * ((c1 - c0 + TKernel.Nr - 1) / TKernel.Nr * TKernel.Nr), packedB.Floats);
            for (int ic = r0; ic < r1; ic += mc)
            {
                int mcur = Math.Min(mc, r1 - ic);
                float* inPlaceA = PrepareA(args, pc, kc, ic, mcur, buffers.A);
                KernelBounds.Range(ic * args.Ldc + c0, (mcur - 1) * args.Ldc + (c1 - c0), args.LengthC);
                MacroKernelColumnsOuter(mcur, c1 - c0, kc, buffers.A, inPlaceA, args.Lda, args.TransA, block + (nint)c0 * kc, buffers.Tile, args.C + ic * args.Ldc + c0, args.Ldc, accumulate);
            }
        }
    }

    /// <summary>
    /// Whether full row panels read A in place: A not transposed, a panel's rows are contiguous runs
    /// (<see cref="GemmMicroKernel512.RunInPlaceA"/>); A transposed and C narrow, each k step of a
    /// panel is 8 contiguous floats of one row of A, the packed layout at a stride of lda
    /// (<see cref="GemmMicroKernel512.RunTransposedA"/>). Either way the kernel sums in the packed order.
    /// </summary>
    /// <remarks>
    /// A transposed A read in place is re-read from L2 by every tile of its row panel, where a packed
    /// panel stays in L1: that pays only when few tiles share the panel, i.e. C is narrow
    /// (<see cref="GemmBlocking.TransposedAInPlaceMaxN"/>). Measured (one thread, per CPU second):
    /// 5408×128×128 and 784×128×128 3–9 % faster in place, 128×512×2048 and 384×1024×2048 2–5 % slower.
    /// </remarks>
    private static bool InPlaceA(in GemmArgs args) =>
        typeof(TKernel) == typeof(GemmMicroKernel512)
        && (args.TransA
            ? GemmBlocking.TransposedAInPlace && args.N <= GemmBlocking.TransposedAInPlaceMaxN && GemmBlocking.TransposedAInPlaceSuits(args.Lda, args.K)
            : GemmBlocking.RowMajorAInPlace);

    /// <summary>
    /// Makes op(A)[ic.., pc..] (rows×kc) ready for the macro-kernel: packs it all, or, when full
    /// panels read A in place, packs only the last partial panel (at the start of the packed
    /// buffer) and returns the in-place start of the block (null when everything was packed).
    /// </summary>
    private static float* PrepareA(in GemmArgs args, int pc, int kc, int ic, int rows, float* packed)
    {
        if (!InPlaceA(args))
        {
            PackA(args, pc, kc, ic, rows, packed);
            return null;
        }
        int full = rows / TKernel.Mr * TKernel.Mr;
        if (full < rows)
        {
            float* tail = args.TransA ? args.A + pc * args.Lda + ic + full : args.A + (ic + full) * args.Lda + pc;
            KernelBounds.Range(tail - args.A, args.TransA ? (kc - 1) * args.Lda + rows - full : (rows - full - 1) * args.Lda + kc, args.LengthA);
            GemmPacking.PackA(args.TransA, tail, args.Lda, rows - full, kc, TKernel.Mr, packed);
        }
        if (args.TransA)
        {
            KernelBounds.Range(pc * args.Lda + ic, full == 0 ? 0 : (kc - 1) * args.Lda + full, args.LengthA);
            return args.A + pc * args.Lda + ic;
        }
        KernelBounds.Range(ic * args.Lda + pc, full == 0 ? 0 : (full - 1) * args.Lda + kc, args.LengthA);
        return args.A + ic * args.Lda + pc;
    }

    /// <summary>One Mr×Nr tile product into <paramref name="c"/>: A from its packed panel, or read in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(int kc, float* packedA, float* inPlaceA, nint lda, bool transA, float* b, float* c, nint ldc, bool accumulate, float* ahead = null)
    {
        if (typeof(TKernel) == typeof(GemmMicroKernel512) && inPlaceA is not null)
        {
            if (transA && ahead is not null) GemmMicroKernel512.RunTransposedAPrefetch(kc, inPlaceA, lda, ahead, b, c, ldc, accumulate);
            else if (transA) GemmMicroKernel512.RunTransposedA(kc, inPlaceA, lda, b, c, ldc, accumulate);
            else if (PrefetchesB(kc)) GemmMicroKernel512.RunInPlaceAPrefetchB(kc, inPlaceA, lda, b, c, ldc, accumulate, GemmBlocking.PrefetchBDistance);
            else GemmMicroKernel512.RunInPlaceA(kc, inPlaceA, lda, b, c, ldc, accumulate);
        }
        else if (typeof(TKernel) == typeof(GemmMicroKernel512) && PrefetchesB(kc))
            GemmMicroKernel512.RunPrefetchB(kc, packedA, b, c, ldc, accumulate, GemmBlocking.PrefetchBDistance);
        else
            TKernel.Run(kc, packedA, b, c, ldc, accumulate);
    }

    /// <summary>
    /// Whether the 512-bit kernel asks for B's lines ahead (<see cref="GemmBlocking.PrefetchBDistance"/>):
    /// for k blocks of at least <see cref="GemmBlocking.PrefetchBMinDepth"/>, whose B micro-panels
    /// stream from L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PrefetchesB(int kc) => GemmBlocking.PrefetchBDistance > 0 && kc >= GemmBlocking.PrefetchBMinDepth;

    /// <summary>
    /// C's last columns when at most 16 remain, with the 512-bit kernel's 8×16 half tile
    /// (<see cref="GemmMicroKernel512.RunHalf"/>): straight into C for 16 columns of a full row
    /// panel, else into the edge scratch and copied; false where it does not apply (the caller then
    /// computes a whole 8×32 tile). Same bits as the whole tile's first columns.
    /// </summary>
    private static bool HalfTile(int kc, float* packedA, float* inPlaceA, nint lda, bool transA, float* b, float* tile, float* ct, nint ldc, bool accumulate, int rows, int cols)
    {
        if (typeof(TKernel) != typeof(GemmMicroKernel512) || !GemmBlocking.HalfEdgeTiles || cols > 16) return false;
        float* a = inPlaceA is null ? packedA : inPlaceA;
        nint step = inPlaceA is null ? TKernel.Mr : lda;
        bool rowsInPlace = inPlaceA is not null && !transA;
        if (rows == TKernel.Mr && cols == 16)
        {
            GemmMicroKernel512.RunHalf(kc, a, step, rowsInPlace, b, ct, ldc, accumulate);
            return true;
        }
        int nr = TKernel.Nr;
        GemmMicroKernel512.RunHalf(kc, a, step, rowsInPlace, b, tile, nr, false);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + tile[i * nr + j] : tile[i * nr + j];
        return true;
    }

    private static void PackA(in GemmArgs args, int pc, int kc, int ic, int rows, float* dst)
    {
        float* a = args.TransA ? args.A + pc * args.Lda + ic : args.A + ic * args.Lda + pc;
        KernelBounds.Range(a - args.A, args.TransA ? (kc - 1) * args.Lda + rows : (rows - 1) * args.Lda + kc, args.LengthA);
        GemmPacking.PackA(args.TransA, a, args.Lda, rows, kc, TKernel.Mr, dst);
    }

    private static void PackB(in GemmArgs args, int pc, int kc, int jc, int cols, float* dst)
    {
        float* b = args.TransB ? args.B + jc * args.Ldb + pc : args.B + pc * args.Ldb + jc;
        KernelBounds.Range(b - args.B, args.TransB ? (cols - 1) * args.Ldb + kc : (kc - 1) * args.Ldb + cols, args.LengthB);
        GemmPacking.PackB(args.TransB, b, args.Ldb, kc, cols, TKernel.Nr, dst);
    }

    /// <summary>As <see cref="MacroKernel"/>, column micro-panels outermost.</summary>
    private static void MacroKernelColumnsOuter(int mc, int nc, int kc, float* packedA, float* inPlaceA, nint lda, bool transA, float* packedB, float* tile, float* c, nint ldc, bool accumulate)
    {
        nint panelStep = transA ? TKernel.Mr : TKernel.Mr * lda;
        int mr = TKernel.Mr, nr = TKernel.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            float* b = packedB + jr * kc;
            int cols = Math.Min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr)
            {
                float* a = inPlaceA is null ? packedA + ir * kc : packedA; // in place: only the last, partial panel is packed
                float* direct = inPlaceA is null || mc - ir < mr ? null : inPlaceA + ir / mr * panelStep;
                float* ct = c + ir * ldc + jr;
                int rows = Math.Min(mr, mc - ir);
                if (rows == mr && cols == nr)
                {
                    Tile(kc, a, direct, lda, transA, b, ct, ldc, accumulate);
                    continue;
                }
                if (HalfTile(kc, a, direct, lda, transA, b, tile, ct, ldc, accumulate, rows, cols)) continue;
                Tile(kc, a, direct, lda, transA, b, tile, nr, false);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                        ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + tile[i * nr + j] : tile[i * nr + j];
            }
        }
    }

    /// <summary>
    /// Whether the macro-kernel prefetches the next in-place A row panel: A not transposed and read
    /// in place, larger than L2 (so it comes from memory, once), rows of at least
    /// <see cref="GemmBlocking.PrefetchNextAMinDepth"/> floats (long streams), and few tiles per
    /// panel (a cold panel's wait shared by few tiles). See <see cref="GemmBlocking.PrefetchNextA"/>.
    /// </summary>
    private static bool PrefetchesA(in GemmArgs args, int kc, int nc) =>
        GemmBlocking.PrefetchNextA && !args.TransA && InPlaceA(args) && kc >= GemmBlocking.PrefetchNextAMinDepth
        && (nc + TKernel.Nr - 1) / TKernel.Nr <= GemmBlocking.PrefetchNextAMaxTiles
        && (long)args.M * args.K * sizeof(float) > GemmBlocking.L2Bytes;

    /// <summary>
    /// Asks for lines <paramref name="first"/>..<paramref name="end"/> of an in-place A row panel
    /// (Mr rows of <paramref name="kc"/> floats, <paramref name="lda"/> apart; line l is row
    /// l / linesPerRow): the next panel's first tile then finds its rows in cache instead of waiting
    /// on Mr memory streams at once (tall products whose A is read once, from memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchPanelShare(float* panel, nint lda, int kc, int first, int end)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        int linesPerRow = (kc + 15) / 16;
        for (int l = first; l < end; l++)
        {
            int row = l / linesPerRow, col = l - row * linesPerRow;
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(panel + row * lda + col * 16);
        }
    }

    /// <summary>C block (mc×nc) (+)= packed A block · packed B panel, one register tile at a time.</summary>
    private static void MacroKernel(int mc, int nc, int kc, float* packedA, float* inPlaceA, nint lda, bool transA, bool prefetchA, float* packedB, float* tile, float* c, nint ldc, bool accumulate)
    {
        nint panelStep = transA ? TKernel.Mr : TKernel.Mr * lda;
        int mr = TKernel.Mr, nr = TKernel.Nr;
        // The next row panel's lines are asked for during this panel's tiles, a share before each
        // tile (see PrefetchesA and PrefetchPanelShare).
        int tiles = (nc + nr - 1) / nr, panelLines = mr * ((kc + 15) / 16), share = (panelLines + tiles - 1) / tiles;
        prefetchA &= inPlaceA is not null;
        bool prefetchTransposed = transA && inPlaceA is not null && GemmBlocking.PrefetchTransposedA;
        for (int ir = 0; ir < mc; ir += mr)
        {
            float* a = inPlaceA is null ? packedA + ir * kc : packedA; // in place: only the last, partial panel is packed
            float* direct = inPlaceA is null || mc - ir < mr ? null : inPlaceA + ir / mr * panelStep;
            float* nextA = prefetchA && mc - ir >= 2 * mr ? direct + panelStep : null;
            // A transposed read in place: the panel two ahead (its k steps lda apart, usually new
            // lines: two 8-float panels share a line) is asked for during this panel's first tile.
            float* ahead = prefetchTransposed && mc - ir >= 3 * mr ? direct + 2 * panelStep : null;
            int rows = Math.Min(mr, mc - ir);
            for (int jr = 0, t = 0; jr < nc; jr += nr, t++)
            {
                float* b = packedB + jr * kc;
                float* ct = c + ir * ldc + jr;
                int cols = Math.Min(nr, nc - jr);
                if (nextA is not null) PrefetchPanelShare(nextA, lda, kc, t * share, Math.Min(panelLines, (t + 1) * share));
                if (rows == mr && cols == nr)
                {
                    Tile(kc, a, direct, lda, transA, b, ct, ldc, accumulate, t == 0 ? ahead : null);
                    continue;
                }
                if (HalfTile(kc, a, direct, lda, transA, b, tile, ct, ldc, accumulate, rows, cols)) continue;
                Tile(kc, a, direct, lda, transA, b, tile, nr, false, t == 0 ? ahead : null);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                        ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + tile[i * nr + j] : tile[i * nr + j];
            }
        }
    }
}
