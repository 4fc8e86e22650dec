using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>GEMM against its double-precision twin: shapes, transposes, strides, threads, arguments.</summary>
public static class GemmChecks
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 33, 64, 65, 97];
    private static readonly int[] Depths = [0, 1, 3, 17, 64, 97];

    /// <summary>The seed model's shapes: (transA, transB, m, n, k).</summary>
    private static readonly (bool TransA, bool TransB, int M, int N, int K)[] SeedShapes =
    [
        (false, false, 128, 128, 5408), (true, false, 5408, 128, 128), (false, true, 128, 5408, 128),
        (false, false, 128, 10, 128), (true, false, 128, 10, 128), (false, true, 128, 128, 10),
    ];

    public static void SmallShapesMatchTwin()
    {
        int seed = 0;
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Depths)
                    for (int trans = 0; trans < 4; trans++)
                    {
                        seed++;
                        // Every other case pads the leading dimensions, so strides differ from the row lengths.
                        int pad = seed % 2 == 0 ? 0 : 1 + seed % 5;
                        CompareWithTwin((trans & 1) != 0, (trans & 2) != 0, m, n, k, pad, accumulate: (seed / 2) % 2 == 0, seed);
                    }
    }

    public static void LargeShapesMatchTwin()
    {
        int seed = 1000;
        for (int trans = 0; trans < 4; trans++)
        {
            CompareWithTwin((trans & 1) != 0, (trans & 2) != 0, 300, 200, 700, 0, accumulate: trans % 2 == 0, seed++);
            CompareWithTwin((trans & 1) != 0, (trans & 2) != 0, 197, 389, 520, 3, accumulate: trans % 2 == 1, seed++);
        }
        CompareWithTwin(false, false, 1, 777, 300, 0, accumulate: false, seed++);
        CompareWithTwin(true, true, 777, 1, 300, 2, accumulate: true, seed++);
    }

    public static void SeedShapesMatchTwin()
    {
        int seed = 2000;
        foreach (var s in SeedShapes)
            CompareWithTwin(s.TransA, s.TransB, s.M, s.N, s.K, 0, accumulate: seed % 2 == 0, seed++);
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        (bool, bool, int, int, int)[] shapes =
        [
            .. SeedShapes, (false, false, 300, 200, 700), (true, true, 37, 1000, 600), (false, true, 1000, 37, 300),
        ];
        int saved = DeepSharp.Threads.Count;
        try
        {
            int seed = 3000;
            foreach (var (transA, transB, m, n, k) in shapes)
            {
                var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, 0, seed++);
                float[]? first = null;
                foreach (int threads in new[] { 1, 2, 3, 4 })
                {
                    DeepSharp.Threads.Count = threads;
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate: true);
                    if (first is null) first = c;
                    else Check.Equal<float>(first, c, $"Gemm {Describe(transA, transB, m, n, k)} threads 1 vs {threads}");
                }
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    /// <summary>
    /// A small C with a long k on several threads spreads k's blocks over the threads (GemmSplitK):
    /// against the twin, and bitwise against the unsplit path and against one thread, at 2 to 4
    /// threads. Shapes: the seed Dense's forward, all four transposes, a last k block of 1 to Kc − 1,
    /// prime sizes, edge tiles, C at the size limit, padded leading dimensions, accumulate or not.
    /// </summary>
    public static void SplitKMatchesUnsplit()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, false, 128, 128, 5408), (true, false, 128, 128, 5408), (false, true, 37, 61, 1100),
            (true, true, 61, 37, 1031), (false, false, 9, 200, 2000), (false, true, 3, 1000, 1024),
            (true, false, 200, 17, 1500), (false, false, 255, 256, 1025), (false, false, 64, 64, 4096),
            // k blocks are 512 deep on Intel (GemmBlocking.Kc): enough of them to split there too,
            // with a last block of 1 and of 509.
            (false, true, 37, 61, 2561), (true, false, 97, 40, 2045),
        ];
        int seed = 4500;
        foreach (var (transA, transB, m, n, k) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var one = ThreadCounts.With(1, () => Run(split: true));
            Check.Close(expected, one, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} 1 thread vs twin");
            foreach (int threads in new[] { 2, 3, 4 })
            {
                Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(split: true)), $"Gemm {Describe(transA, transB, m, n, k)} k split, 1 vs {threads} threads");
                Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(split: false)), $"Gemm {Describe(transA, transB, m, n, k)} k not split, 1 vs {threads} threads");
            }

            float[] Run(bool split)
            {
                var c = (float[])c0.Clone();
                GemmBlocking.SplitKEnabled = split;
                try { Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally { GemmBlocking.SplitKEnabled = true; }
                return c;
            }
        }
    }

    /// <summary>
    /// C's last columns, when at most 16 remain, computed by the 512-bit kernel's 8×16 half tile
    /// (GemmBlocking.HalfEdgeTiles) against the twin, and bitwise against whole 8×32 edge tiles and
    /// across 1 to 3 threads: every transpose (a row-major A read in place, a transposed A in place
    /// or packed, a partial last row panel), edges of 1, 15, 16 and 17 columns, the dense layer's
    /// 128×784×128ᵀ (edge of 16) and the char-GPT head's 65 columns, one and several k blocks,
    /// accumulate or not, padded leading dimensions. Without AVX-512 both settings run the same path.
    /// </summary>
    public static void HalfEdgeTilesMatchWholeTiles()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, true, 128, 784, 128), (false, false, 128, 784, 128), (true, false, 128, 784, 128),
            (false, false, 2048, 65, 128), (false, true, 300, 65, 97), (true, false, 128, 65, 600),
            (false, false, 37, 47, 1030), (true, true, 61, 48, 33), (false, true, 16, 49, 17),
            (true, false, 97, 33, 64), (false, false, 8, 16, 5), (false, false, 13, 1, 3),
        ];
        bool saved = GemmBlocking.HalfEdgeTiles;
        int seed = 4700;
        try
        {
            foreach (var (transA, transB, m, n, k) in shapes)
            {
                var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
                bool accumulate = seed++ % 2 == 0;
                var expected = (float[])c0.Clone();
                NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                var half = ThreadCounts.With(1, () => Run(halfTiles: true));
                Check.Close(expected, half, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} half edge tiles vs twin");
                Check.Equal<float>(ThreadCounts.With(1, () => Run(halfTiles: false)), half, $"Gemm {Describe(transA, transB, m, n, k)} half vs whole edge tiles");
                foreach (int threads in new[] { 2, 3 })
                    Check.Equal<float>(half, ThreadCounts.With(threads, () => Run(halfTiles: true)), $"Gemm {Describe(transA, transB, m, n, k)} half edge tiles, 1 vs {threads} threads");

                float[] Run(bool halfTiles)
                {
                    GemmBlocking.HalfEdgeTiles = halfTiles;
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
                    return c;
                }
            }
        }
        finally
        {
            GemmBlocking.HalfEdgeTiles = saved;
        }
    }

    /// <summary>
    /// The 8×32 kernel asking for B's lines k steps ahead (GemmBlocking.PrefetchBDistance, on by
    /// default on Intel) against the twin, and bitwise against no prefetch and across 1 to 3 threads:
    /// A packed (transposed, wide C) and row-major A in place, edges, k of 1 to several blocks (only
    /// blocks of at least GemmBlocking.PrefetchBMinDepth prefetch, so calls mix both loops; the
    /// prefetch runs past the micro-panel and past the packed buffer's end: prefetches never fault),
    /// distances 1, 16 and 64. Without AVX-512 every distance runs the same path.
    /// </summary>
    public static void PrefetchedBMatchesUnprefetched()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, false, 64, 96, 1030), (true, false, 131, 160, 600), (false, true, 97, 65, 33),
            (true, true, 37, 129, 517), (false, false, 8, 32, 1), (false, false, 13, 47, 15),
            (false, false, 256, 256, 512), (true, false, 64, 256, 1030), (false, true, 17, 1, 3),
        ];
        int saved = GemmBlocking.PrefetchBDistance;
        int seed = 4800;
        try
        {
            foreach (var (transA, transB, m, n, k) in shapes)
            {
                var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
                bool accumulate = seed++ % 2 == 0;
                var expected = (float[])c0.Clone();
                NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                var plain = ThreadCounts.With(1, () => Run(0));
                Check.Close(expected, plain, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} without B prefetch vs twin");
                foreach (int distance in new[] { 1, 16, 64 })
                {
                    Check.Equal<float>(plain, ThreadCounts.With(1, () => Run(distance)), $"Gemm {Describe(transA, transB, m, n, k)} B prefetched {distance} ahead vs not");
                    foreach (int threads in new[] { 2, 3 })
                        Check.Equal<float>(plain, ThreadCounts.With(threads, () => Run(distance)), $"Gemm {Describe(transA, transB, m, n, k)} B prefetched {distance} ahead, 1 vs {threads} threads");
                }

                float[] Run(int distance)
                {
                    GemmBlocking.PrefetchBDistance = distance;
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
                    return c;
                }
            }
        }
        finally
        {
            GemmBlocking.PrefetchBDistance = saved;
        }
    }

    /// <summary>
    /// The middle sizes on several threads pack B once for all regions (GemmSharedB): against the
    /// twin, and bitwise against each region packing its own B and against one thread. Shapes cut
    /// B into partial column groups and k blocks; 3 threads on fewer cores make regions wait for
    /// groups another thread is packing.
    /// </summary>
    public static void SharedPackingMatchesRegionPacking()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, false, 197, 300, 600), (true, false, 130, 129, 520), (false, true, 64, 257, 300),
            (true, true, 301, 96, 257), (false, false, 128, 10, 900), (false, true, 128, 784, 128),
            (true, false, 784, 128, 128), (false, false, 40, 1100, 720),
        ];
        int seed = 4000;
        foreach (var (transA, transB, m, n, k) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var one = ThreadCounts.With(1, () => Run(a, b, c0, shared: true));
            Check.Close(expected, one, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} 1 thread vs twin");
            foreach (int threads in new[] { 2, 3 })
            {
                var shared = ThreadCounts.With(threads, () => Run(a, b, c0, shared: true));
                var regions = ThreadCounts.With(threads, () => Run(a, b, c0, shared: false));
                Check.Equal<float>(one, shared, $"Gemm {Describe(transA, transB, m, n, k)} B packed once, 1 vs {threads} threads");
                Check.Equal<float>(one, regions, $"Gemm {Describe(transA, transB, m, n, k)} B packed per region, 1 vs {threads} threads");
            }

            float[] Run(float[] a, float[] b, float[] c0, bool shared)
            {
                var c = (float[])c0.Clone();
                bool rowBands = GemmRowBands.Enabled, sharedAsBuilt = GemmBlocking.SharedBEnabled;
                GemmBlocking.SharedBEnabled = shared;
                GemmRowBands.Enabled = false; // on Zen 4 the row bands would take these calls
                try { Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally
                {
                    GemmBlocking.SharedBEnabled = sharedAsBuilt;
                    GemmRowBands.Enabled = rowBands;
                }
                return c;
            }
        }
    }

    /// <summary>
    /// One band of C's rows per thread (GemmRowBands, on for Zen 4) against the twin, and bitwise
    /// against the grid of regions and against one thread, at 2 to 4 threads: primes, sizes that
    /// are not multiples of 8/16/32, all transposes, several k blocks, fewer than
    /// GemmRowBands.MinRowsPerThread rows per thread (falls back to the grid), accumulate or not.
    /// </summary>
    public static void RowBandsMatchGrid()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, false, 197, 300, 600), (true, false, 130, 129, 520), (false, true, 64, 257, 300),
            (true, true, 301, 96, 257), (false, false, 17, 1000, 300), (false, true, 128, 784, 128),
            (false, false, 523, 509, 263), (true, true, 1031, 67, 97), (false, false, 24, 2048, 129),
            (true, false, 600, 129, 520), (false, true, 777, 257, 300), (false, false, 2053, 33, 17),
        ];
        bool saved = GemmRowBands.Enabled;
        int seed = 4200;
        try
        {
            foreach (var (transA, transB, m, n, k) in shapes)
            {
                var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
                bool accumulate = seed++ % 2 == 0;
                var expected = (float[])c0.Clone();
                NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                var one = ThreadCounts.With(1, () => Run(rowBands: true));
                Check.Close(expected, one, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} 1 thread vs twin");
                foreach (int threads in new[] { 2, 3, 4 })
                {
                    Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(rowBands: true)), $"Gemm {Describe(transA, transB, m, n, k)} row bands, 1 vs {threads} threads");
                    Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(rowBands: false)), $"Gemm {Describe(transA, transB, m, n, k)} grid, 1 vs {threads} threads");
                }

                float[] Run(bool rowBands)
                {
                    var c = (float[])c0.Clone();
                    GemmRowBands.Enabled = rowBands;
                    Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
                    return c;
                }
            }
        }
        finally
        {
            GemmRowBands.Enabled = saved;
        }
    }

    /// <summary>
    /// A transposed A read in place (512-bit level, C up to 128 columns) against the twin, and
    /// bitwise against packing it, at 1, 2 and 3 threads: partial row panels, several k blocks,
    /// padded lda, 1 to 128 columns, accumulate or not; and through a prepacked B.
    /// </summary>
    public static void TransposedAInPlaceMatchesPacking()
    {
        (int M, int N, int K, int Pad)[] shapes =
        [
            (8, 32, 256, 0), (13, 17, 300, 3), (197, 128, 520, 0), (784, 128, 128, 0), (5408 / 8, 96, 129, 5),
            (64, 64, 1, 0), (130, 127, 257, 16), (9, 128, 700, 1), (40, 129, 300, 0),
        ];
        int seed = 5000;
        foreach (var (m, n, k, pad) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(true, false, m, n, k, pad, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(true, false, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var inPlace = ThreadCounts.With(1, () => Run(inPlace: true));
            Check.Close(expected, inPlace, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(true, false, m, n, k)} A in place vs twin");
            Check.Equal<float>(ThreadCounts.With(1, () => Run(inPlace: false)), inPlace, $"Gemm {Describe(true, false, m, n, k)} A in place vs packed");
            foreach (int threads in new[] { 2, 3 })
                Check.Equal<float>(inPlace, ThreadCounts.With(threads, () => Run(inPlace: true)), $"Gemm {Describe(true, false, m, n, k)} A in place, 1 vs {threads} threads");
            using var packedB = GemmPackedB.Pack(false, k, n, b, ldb);
            var prepacked = (float[])c0.Clone();
            Gemm.Multiply(true, m, a, lda, packedB, prepacked, ldc, accumulate);
            Check.Equal<float>(inPlace, prepacked, $"Gemm {Describe(true, false, m, n, k)} A in place, prepacked B");

            float[] Run(bool inPlace)
            {
                var c = (float[])c0.Clone();
                GemmBlocking.TransposedAInPlace = inPlace;
                try { Gemm.Multiply(true, false, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally { GemmBlocking.TransposedAInPlace = true; }
                return c;
            }
        }
    }

    /// <summary>
    /// A transposed A read in place with a later row panel prefetched during each panel's first tile
    /// (GemmBlocking.PrefetchTransposedA, on for Intel): against the twin, and bitwise against the
    /// prefetch off and against A packed, at 1 to 3 threads. Shapes of the char-GPT's and the dense
    /// layer's weight gradients (K = 2048 split over k blocks; 784 rows), fewer than three panels,
    /// partial row panels (the prefetch stops two panels before the end), partial column tiles,
    /// padded lda (panels not line-aligned), accumulate or not; and the stride rule that packs A
    /// for some leading dimensions on Intel (GemmBlocking.TransposedAStrideRule) turned off.
    /// </summary>
    public static void TransposedAPrefetchGivesSameBits()
    {
        (int M, int N, int K, int Pad)[] shapes =
        [
            (128, 128, 2048, 0), (512, 128, 2048, 0), (784, 128, 128, 0), (8, 32, 300, 0), (16, 32, 129, 1),
            (23, 128, 600, 5), (97, 40, 2045, 3), (200, 17, 1500, 0), (131, 127, 520, 16), (24, 96, 1, 2),
            (1024, 64, 128, 0), (520, 33, 130, 0), (509, 128, 1030, 3),
        ];
        int seed = 5600;
        foreach (var (m, n, k, pad) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(true, false, m, n, k, pad, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(true, false, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var prefetched = ThreadCounts.With(1, () => Run(prefetch: true, inPlace: true));
            Check.Close(expected, prefetched, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(true, false, m, n, k)} A prefetched vs twin");
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Check.Equal<float>(prefetched, ThreadCounts.With(threads, () => Run(prefetch: false, inPlace: true)), $"Gemm {Describe(true, false, m, n, k)} no prefetch, {threads} thread(s) vs prefetched");
                Check.Equal<float>(prefetched, ThreadCounts.With(threads, () => Run(prefetch: true, inPlace: false)), $"Gemm {Describe(true, false, m, n, k)} A packed, {threads} thread(s) vs prefetched");
                Check.Equal<float>(prefetched, ThreadCounts.With(threads, () => Run(prefetch: true, inPlace: true)), $"Gemm {Describe(true, false, m, n, k)} prefetched, {threads} thread(s) vs 1");
                Check.Equal<float>(prefetched, ThreadCounts.With(threads, () => Run(prefetch: true, inPlace: true, strideRule: false)), $"Gemm {Describe(true, false, m, n, k)} no stride rule, {threads} thread(s) vs prefetched");
            }

            float[] Run(bool prefetch, bool inPlace, bool strideRule = true)
            {
                var c = (float[])c0.Clone();
                var saved = (GemmBlocking.PrefetchTransposedA, GemmBlocking.TransposedAInPlace, GemmBlocking.TransposedAStrideRule);
                (GemmBlocking.PrefetchTransposedA, GemmBlocking.TransposedAInPlace, GemmBlocking.TransposedAStrideRule) = (prefetch, inPlace, strideRule);
                try { Gemm.Multiply(true, false, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally { (GemmBlocking.PrefetchTransposedA, GemmBlocking.TransposedAInPlace, GemmBlocking.TransposedAStrideRule) = saved; }
                return c;
            }
        }
    }

    /// <summary>
    /// Small calls with one region per thread (GemmBlocking.OneRegionPerThreadBelow, on for Intel)
    /// against the twin, and bitwise against two regions per thread and against one thread, at 2
    /// and 3 threads: the dense layer's products (784 = 24·32 + 16), all transposes, primes, and
    /// products of 16–40 M multiply-adds (the char-GPT's 2048×128×128 and its head).
    /// </summary>
    public static void OneRegionPerThreadGivesSameBits()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, true, 128, 784, 128), (true, false, 784, 128, 128), (false, false, 128, 128, 784),
            (true, true, 97, 131, 257), (false, false, 61, 300, 97),
            (false, false, 2048, 65, 128), (false, true, 2048, 128, 128), (false, false, 1031, 131, 263), // 16–40 M: one region on Intel since igpt4
        ];
        int seed = 5700;
        foreach (var (transA, transB, m, n, k) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var one = ThreadCounts.With(1, () => Run(long.MaxValue));
            Check.Close(expected, one, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} 1 thread vs twin");
            foreach (int threads in new[] { 2, 3 })
            {
                Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(long.MaxValue)), $"Gemm {Describe(transA, transB, m, n, k)} one region per thread, 1 vs {threads} threads");
                Check.Equal<float>(one, ThreadCounts.With(threads, () => Run(0)), $"Gemm {Describe(transA, transB, m, n, k)} two regions per thread, 1 vs {threads} threads");
            }

            float[] Run(long below)
            {
                var c = (float[])c0.Clone();
                long saved = GemmBlocking.OneRegionPerThreadBelow;
                GemmBlocking.OneRegionPerThreadBelow = below;
                try { Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally { GemmBlocking.OneRegionPerThreadBelow = saved; }
                return c;
            }
        }
    }

    /// <summary>
    /// The blocking knobs the SGEMM probe turns (GemmBlocking.McRows, PanelFloats,
    /// RowMajorAInPlace) only cut the loops over rows and columns or move where A is read from:
    /// against the twin, and bitwise against the built settings at 1 and 2 threads, all transposes,
    /// sizes that are not multiples of 8/32, several k blocks, accumulate or not.
    /// </summary>
    public static void BlockingSettingsGiveSameBits()
    {
        (bool TransA, bool TransB, int M, int N, int K)[] shapes =
        [
            (false, false, 397, 1100, 600), (true, false, 130, 129, 520), (false, true, 431, 257, 300),
            (true, true, 301, 96, 257), (false, false, 128, 128, 1300), (false, false, 17, 2100, 97),
            (false, true, 203, 77, 1100), (true, false, 64, 600, 1537),
        ];
        (string Name, int Mc, int Panel, bool InPlace)[] settings =
        [
            ("mc=48", 48, GemmBlocking.BPanelFloats, true), ("mc=384", 384, GemmBlocking.BPanelFloats, true),
            ("panel=64 KB", GemmBlocking.Mc, 16 * 1024, true), ("panel=1 MB", GemmBlocking.Mc, GemmBlocking.MaxPanelFloats, true),
            ("A packed", GemmBlocking.Mc, GemmBlocking.BPanelFloats, false), ("mc=384, panel=1 MB", 384, GemmBlocking.MaxPanelFloats, true),
        ];
        int seed = 5200;
        foreach (var (transA, transB, m, n, k) in shapes)
        {
            var (a, lda, b, ldb, c0, ldc) = Operands(transA, transB, m, n, k, seed % 3, seed);
            bool accumulate = seed++ % 2 == 0;
            var expected = (float[])c0.Clone();
            NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
            var built = ThreadCounts.With(1, () => Run(GemmBlocking.McRows, GemmBlocking.PanelFloats, GemmBlocking.RowMajorAInPlace));
            Check.Close(expected, built, 1e-5f, 2e-6f * (k + 1), $"Gemm {Describe(transA, transB, m, n, k)} as built vs twin");
            foreach (var (name, mc, panel, inPlace) in settings)
                foreach (int threads in new[] { 1, 2 })
                    Check.Equal<float>(built, ThreadCounts.With(threads, () => Run(mc, panel, inPlace)), $"Gemm {Describe(transA, transB, m, n, k)} {name}, {threads} thread(s) vs as built");

            float[] Run(int mc, int panel, bool inPlace)
            {
                var c = (float[])c0.Clone();
                var (savedMc, savedPanel, savedInPlace) = (GemmBlocking.McRows, GemmBlocking.PanelFloats, GemmBlocking.RowMajorAInPlace);
                (GemmBlocking.McRows, GemmBlocking.PanelFloats, GemmBlocking.RowMajorAInPlace) = (mc, panel, inPlace);
                try { Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate); }
                finally { (GemmBlocking.McRows, GemmBlocking.PanelFloats, GemmBlocking.RowMajorAInPlace) = (savedMc, savedPanel, savedInPlace); }
                return c;
            }
        }
    }

    public static void BadArgumentsThrow()
    {
        var a = new float[4 * 5];
        var b = new float[5 * 6];
        var c = new float[4 * 6];
        ExpectThrow(() => Gemm.Multiply(false, false, 4, 6, 5, a.AsSpan(1), 5, b, 6, c, 6, false), "m=4, n=6, k=5", "short A");
        ExpectThrow(() => Gemm.Multiply(false, true, 4, 6, 5, a, 5, b, 6, c, 6, false), "needs 35", "short B (transposed, ldb=6)");
        ExpectThrow(() => Gemm.Multiply(false, false, 4, 6, 5, a, 5, b, 6, c.AsSpan(0, 23), 6, false), "m=4, n=6, k=5", "short C");
        ExpectThrow(() => Gemm.Multiply(false, false, 4, 6, 5, a, 4, b, 6, c, 6, false), "lda=4", "lda below k");
        ExpectThrow(() => Gemm.Multiply(false, false, -1, 6, 5, a, 5, b, 6, c, 6, false), "m=-1", "negative m");
    }

    private static void ExpectThrow(Action call, string messagePart, string context)
    {
        try
        {
            call();
        }
        catch (ArgumentException e)
        {
            if (!e.Message.Contains(messagePart, StringComparison.Ordinal))
                throw new CheckFailedException($"Gemm {context}: message '{e.Message}' does not name '{messagePart}'");
            return;
        }
        throw new CheckFailedException($"Gemm {context}: no ArgumentException");
    }

    private static void CompareWithTwin(bool transA, bool transB, int m, int n, int k, int pad, bool accumulate, int seed)
    {
        var (a, lda, b, ldb, expected, ldc) = Operands(transA, transB, m, n, k, pad, seed);
        var actual = (float[])expected.Clone();
        NaiveGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
        Gemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, actual, ldc, accumulate);
        // float32 sums of k products of values in [-1, 1] against a double oracle: error grows with k.
        float atol = 2e-6f * (k + 1);
        Check.Close(expected, actual, 1e-5f, atol, $"Gemm {Describe(transA, transB, m, n, k)} pad {pad} accumulate {accumulate}");
    }

    /// <summary>Random A, B and C (C's padding included) laid out for the given transposes.</summary>
    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(
        bool transA, bool transB, int m, int n, int k, int pad, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        return (Check.Random(aRows * lda, seed), lda, Check.Random(bRows * ldb, seed + 7919),
            ldb, Check.Random(m * ldc, seed + 104729), ldc);
    }

    private static string Describe(bool transA, bool transB, int m, int n, int k) =>
        $"m={m} n={n} k={k}{(transA ? " transA" : "")}{(transB ? " transB" : "")}";
}
