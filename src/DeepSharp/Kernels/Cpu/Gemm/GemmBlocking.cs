using System.Runtime.InteropServices;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Cache-blocking sizes and the per-thread packing buffers.
/// </summary>
/// <remarks>
/// KC is a constant: it fixes where each output element's k sum is cut into partial sums, so it
/// must never depend on the thread count (determinism); it is fixed per CPU vendor (see
/// <see cref="Kc"/>). MC and NC only bound buffer sizes and may change freely. Sizes target
/// 32 KB L1d / 1 MB L2 per core on AMD: an A micro-panel (Mr×KC, 4–8 KB) stays in L1 while the
/// B panel (KC×NC ≤ 512 KB) streams from L2; on Intel 48 KB L1d / 2 MB L2, twice both.
/// </remarks>
internal static unsafe class GemmBlocking
{
    /// <summary>
    /// Depth of one k block: 256 (Zen 4 / Zen 5, 1 MB L2), 512 on Intel (2 MB L2, 48 KB L1d).
    /// </summary>
    /// <remarks>
    /// Fixed for the process (one CPU): where each output element's k sum is cut into partial sums,
    /// so it never depends on the thread count, and every path that can compute a call (the driver,
    /// split k, small M, narrow N, DenseRows, the LSTM's weight gradient) reads it here and sums
    /// alike. On Intel each k block re-reads and re-writes C once: 512 halves that traffic and the
    /// tiles' epilogues against 256, with the A micro-panel (8×512 floats, 16 KB) still in the 48 KB
    /// L1 and a 512×512 B panel (1 MB, <see cref="IntelPanelFloats"/>) in the 2 MB L2. Measured
    /// (isgemm2, docs/benchmarks.md; two threads, processes alternated): 512³ 8 %, 1024³ 2–7 %,
    /// 2048³ 2 % faster, the A-transposed dW 512×128×2048 3 % slower. It changes the summation order
    /// on Intel only; AMD keeps 256 (not measurable on this machine).
    /// </remarks>
    public static readonly int Kc = CpuIdentity.IsIntel ? 512 : 256;

    /// <summary>Rows of op(A) packed at a time on AMD (a multiple of every kernel's Mr).</summary>
    public const int Mc = 192;

    /// <summary>The most rows of op(A) packed at a time that the buffers hold (<see cref="McRows"/>).</summary>
    public const int MaxMc = 384;

    /// <summary>
    /// Rows of op(A) packed at a time (a multiple of every kernel's Mr, at most <see cref="MaxMc"/>):
    /// <see cref="Mc"/>; the SGEMM probe sets other values to compare them in one process (same bits:
    /// MC only cuts the loop over rows).
    /// </summary>
    public static int McRows
    {
        get => s_mcRows;
        set => s_mcRows = Math.Clamp(value / 24 * 24, 24, MaxMc);
    }

    /// <summary>Floats of packed B kept per thread on AMD: KC×NC ≤ this (512 KB, half of a 1 MB L2).</summary>
    public const int BPanelFloats = 128 * 1024;

    /// <summary>Floats of packed B kept per thread on Intel: 1 MB, half of its 2 MB L2 (Nc 512 at Kc 512).</summary>
    public const int IntelPanelFloats = 256 * 1024;

    /// <summary>The most floats of packed B per thread that the buffers hold (<see cref="PanelFloats"/>): 1 MB.</summary>
    public const int MaxPanelFloats = 256 * 1024;

    /// <summary>
    /// Floats of packed B per thread (KC×NC ≤ this, at most <see cref="MaxPanelFloats"/>):
    /// <see cref="BPanelFloats"/>, on Intel <see cref="IntelPanelFloats"/>; the SGEMM probe sets other values to compare them in one process
    /// (same bits: NC only cuts the loop over columns).
    /// </summary>
    public static int PanelFloats
    {
        get => s_panelFloats;
        set => s_panelFloats = Math.Clamp(value, 64 * 64, MaxPanelFloats);
    }

    private static int s_mcRows = Mc;
    private static int s_panelFloats = CpuIdentity.IsIntel ? IntelPanelFloats : BPanelFloats;

    /// <summary>Below this many multiply-adds a call runs on the calling thread alone.</summary>
    public const long ParallelThreshold = 1L << 20;

    /// <summary>Regions of C per thread that a large call aims for.</summary>
    public const int TasksPerThread = 2;

    /// <summary>
    /// Calls of fewer multiply-adds than this aim for one region per thread instead of
    /// <see cref="TasksPerThread"/> (0: never): 40 M on Intel, 0 elsewhere (AMD runs what it ran).
    /// A call of ~100 µs cut into four regions on two threads paid more in hand-offs and per-region
    /// packing than it gained in balance: measured on Intel (isgemm3, `sgemm-probe.cs -- wall 2
    /// ... "cfg:/small=16"`, alternated in one process, two runs) the dense layer's 128×784×128ᵀ
    /// ×0.92–0.97 time, 784ᵀ×128×128 ×0.94, 128×128×784 ×0.92–0.93. Same bits either way; the
    /// probe sets it to compare. Raised from 16 M to 40 M on Intel (igpt4): the char-GPT's 33.5 M
    /// products and others of 16–40 M were 0.5–4 % faster as one region per thread (`sgemm-probe.cs
    /// -- wall 2 ... "cfg:/small=40"` under `chrt -r 1`, alternated in one process): 2048×128×128
    /// ×0.963, 2048×128×128ᵇ ×0.965–0.973, 2048×65×128 ×0.965, 1024×128×256 ×0.962, 256×256×512
    /// ×0.958, 300³ ×0.973, 4096×64×128 ×0.995; the transposed-A (split-k) 128×128×2048ᵃ ×0.99–1.00.
    /// Above 40 M it was mixed (2048×512×128 ×1.025, 2048×512×128ᵇ ×0.968), so it stops there.
    /// </summary>
    public static long OneRegionPerThreadBelow { get; set; } = CpuIdentity.IsIntel ? 40_000_000 : 0;

    /// <summary>Rough cost of packing one float, in multiply-adds, for choosing how to split C.</summary>
    public const double PackCost = 16;

    /// <summary>Rough cost of reading one float already packed (or read in place), in multiply-adds.</summary>
    public const double ReadCost = 2;

    /// <summary>Regions of C per thread when B is packed once for all of them (<see cref="GemmSharedB"/>).</summary>
    public const int SharedTasksPerThread = 4;

    /// <summary>Most floats of packed op(B) (K × N rounded up to whole panels) shared by a call's regions: 3 MB.</summary>
    public const long SharedBMaxFloats = 768 * 1024;

    /// <summary>
    /// Whether parallel middle-sized calls pack B once for all regions (<see cref="GemmSharedB"/>):
    /// on AMD, off on Intel, where each region packing its own B measured faster (isgemm2, two
    /// threads, alternated in one process: 512³ 5 %, 2048×512×128 5 %, the seed's 128×128×5408 with
    /// B transposed 13 % less time; no shape slower beyond the noise). Same bits either way; the
    /// bench's SGEMM probe turns it off and on to compare both paths in one process.
    /// </summary>
    public static bool SharedBEnabled { get; set; } = !CpuIdentity.IsIntel;

    /// <summary>
    /// Whether parallel calls with a small C and a long k spread k's blocks over the threads
    /// (<see cref="GemmSplitK{TKernel}"/>); the SGEMM probe turns it off to compare both paths in one
    /// process (same bits either way).
    /// </summary>
    public static bool SplitKEnabled { get; set; } = true;

    /// <summary>
    /// Whether the 512-bit kernel reads a transposed A in place (its k steps lda apart) instead of
    /// packing it, for C up to <see cref="TransposedAInPlaceMaxN"/> columns; same bits either way.
    /// The probes turn it off to compare both in one process.
    /// </summary>
    public static bool TransposedAInPlace { get; set; } = true;

    /// <summary>
    /// Whether the 512-bit kernel, reading a transposed A in place, asks for the row panel two
    /// ahead (k steps lda apart: one new line per step, which the hardware prefetcher does not
    /// follow) during each panel's first tile, one line per k step into L2. On Intel only (measured
    /// there, isgemm3; AMD runs what it ran). Same bits either way; the probes turn it off and on.
    /// </summary>
    public static bool PrefetchTransposedA { get; set; } = CpuIdentity.IsIntel;

    /// <summary>
    /// Whether the transposed-A stride rule (<see cref="TransposedAInPlaceSuits"/>) applies: on
    /// Intel; the probes turn it off to compare in one process (same bits either way).
    /// </summary>
    public static bool TransposedAStrideRule { get; set; } = CpuIdentity.IsIntel;

    /// <summary>
    /// Whether a transposed A of leading dimension <paramref name="lda"/> and depth
    /// <paramref name="k"/> may be read in place (besides C at most <see cref="TransposedAInPlaceMaxN"/>
    /// wide): always where <see cref="TransposedAStrideRule"/> is off; on Intel only for lda under
    /// 512 floats, or k ≤ 128 with lda not a multiple of 256 floats (1 KB).
    /// </summary>
    /// <remarks>
    /// Each tile of a row panel re-reads the panel (kc lines, lda·4 bytes apart) where a packed
    /// panel is 16 contiguous KB. Measured on Intel (isgemm3, 2 threads, packed against in place
    /// alternated in one process, `sgemm-probe.cs -- transa 2`; wall time in place / packed): 128, 256,
    /// 384×128×2048 0.96–0.99, 300×128×2048 1.01, 784×128×128 0.96–0.98, 5408×128×128 0.93–0.94
    /// (with <see cref="PrefetchTransposedA"/>); but 512×128×2048 1.10 (1.05 with lda padded to
    /// 528), 640×128×2048 1.07, 784×128×512 1.16, 5408×128×512 1.11, 1024×128×256 1.19,
    /// 1024×128×128 1.13, 2048×128×128 1.19, 1024×128×2048 1.68 (4 KB apart, every line of the
    /// panel in one L1 set).
    /// </remarks>
    public static bool TransposedAInPlaceSuits(nint lda, int k) =>
        !TransposedAStrideRule || lda < 512 || (k <= 128 && lda % 256 != 0);

    /// <summary>
    /// Whether the 512-bit kernel reads a row-major (not transposed) A in place instead of packing
    /// it; same bits either way. The probes turn it off to compare both in one process.
    /// </summary>
    public static bool RowMajorAInPlace { get; set; } = true;

    /// <summary>
    /// K steps ahead at which the 8×32 kernel (A packed or row-major in place) asks for B's two
    /// lines of each step with <c>prefetcht0</c> (0: never): 16 (2 KB ahead) on Intel, 0 elsewhere
    /// (AMD runs what it ran). Same products in the same order, so the same bits; the probes set it
    /// to compare in one process.
    /// </summary>
    /// <remarks>
    /// At Kc 512 a B micro-panel is 64 KB, more than Intel's 48 KB L1d: every tile streams it from
    /// L2 (the A panel, 16 KB, is what stays in L1). Measured on Intel (gemm90, `sgemm-probe.cs --
    /// wall 2 ... "cfg:pfb=0/pfb=16"` under `chrt -r 1`, alternated round by round in one process,
    /// two runs, load 40–97; wall time with / without): 1024³ ×0.990 / ×0.936, 2048³ ×0.991 / ×0.931,
    /// 2048×128×128 ×0.987 / ×0.996, 2048×512×128 ×0.992 / ×0.984, 128×512×2048ᵃ ×0.967 / ×0.979,
    /// 1536³ ×0.998 / ×0.999, 2048×128×512 ×0.998 / ×1.000; no shape slower in a round where both
    /// variants had both cores (512³ and the seed's products within the load's noise either way).
    /// Not applied to the transposed-A and half-tile loops (not measured), nor below
    /// <see cref="PrefetchBMinDepth"/>.
    /// </remarks>
    public static int PrefetchBDistance { get; set; } = CpuIdentity.IsIntel ? 16 : 0;

    /// <summary>
    /// The shortest k block for which B is prefetched (<see cref="PrefetchBDistance"/>): from 256 deep a
    /// B micro-panel (32 KB and more) no longer stays in L1 beside the A panel. The measured gains were
    /// at 512-deep blocks; shorter blocks (the seed's and the char-GPT's K = 128 products) measured
    /// within the noise either way, so they keep the loop without it.
    /// </summary>
    public const int PrefetchBMinDepth = 256;

    /// <summary>
    /// Whether the macro-kernel asks for the next in-place A row panel during the current one's tiles
    /// (<see cref="GemmDriver{TKernel}"/>); the probes turn it off to compare both in one process.
    /// </summary>
    public static bool PrefetchNextA { get; set; } = true;

    /// <summary>
    /// Whether the 512-bit kernel computes C's last columns, when at most 16 remain, with its 8×16
    /// half tile instead of a whole 8×32 tile into scratch (<see cref="GemmMicroKernel512.RunHalf"/>):
    /// half the multiply-adds for those columns and, for exactly 16, no copy; on every CPU (fewer
    /// instructions by construction; same bits). The probe turns it off to compare.
    /// </summary>
    public static bool HalfEdgeTiles { get; set; } = true;

    /// <summary>
    /// The most tiles per row panel (C block columns / Nr) for which the next A panel is prefetched.
    /// Measured on Zen 4 (2026-12-06, under chrt): tall, narrow products that read A once from memory
    /// (a 1×1 convolution's 25,088×128×128, 4 tiles per panel) 12–15 % faster with the prefetch;
    /// square ones (16 tiles per panel) −3 to +2 %, as on Zen 5 before; A within L2 (784×128×128)
    /// 4–7 % slower, and short rows (12,544×64×32) 4–5 % slower, hence the other two conditions.
    /// </summary>
    public const int PrefetchNextAMaxTiles = 8;

    /// <summary>The shortest k block (floats per A row) for which the next A panel is prefetched.</summary>
    public const int PrefetchNextAMinDepth = 128;

    /// <summary>L2 per core assumed by the blocking (1 MB on Zen 4 and Zen 5).</summary>
    public const long L2Bytes = 1L << 20;

    /// <summary>The widest C (columns) for which a transposed A is read in place rather than packed.</summary>
    public const int TransposedAInPlaceMaxN = 128;

    /// <summary>Columns of one B panel for k blocks of depth <paramref name="kc"/>: a multiple of nr.</summary>
    public static int Nc(int kc, int nr) => Math.Max(nr, PanelFloats / Math.Max(kc, 1) / nr * nr);

    /// <summary>Native, 64-byte aligned packing buffers of the current thread (freed with it).</summary>
    public static GemmBuffers Buffers => t_buffers ??= new GemmBuffers();

    [ThreadStatic] private static GemmBuffers? t_buffers;
}

/// <summary>One thread's packing buffers; large enough for every micro-kernel.</summary>
internal sealed unsafe class GemmBuffers
{
    private const int MaxTile = 16 * 64;

    public GemmBuffers()
    {
        A = Alloc(GemmBlocking.MaxMc * GemmBlocking.Kc);
        B = Alloc(GemmBlocking.MaxPanelFloats + GemmBlocking.Kc * 64);
        Tile = Alloc(MaxTile);
    }

    /// <summary>MaxMc×Kc floats of packed A.</summary>
    public float* A { get; }

    /// <summary>Kc×Nc floats of packed B (up to MaxPanelFloats, plus one panel).</summary>
    public float* B { get; }

    /// <summary>Scratch for one edge tile (Mr×Nr floats).</summary>
    public float* Tile { get; }

    ~GemmBuffers()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
        NativeMemory.AlignedFree(Tile);
    }

    private static float* Alloc(int floats) => (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
}
