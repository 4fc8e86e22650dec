namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// On Zen 4 (AMD family 25: AVX-512 executed on 256-bit units, 1 MB L2 per core, L3 shared) a
// parallel call runs fastest when each thread takes one band of C's rows — all columns, its own
// packed B — with no B shared between regions and no cut between columns. Measured on two threads
// under `chrt -r 1` (bench/sgemm/sgemm-probe.cs `wall 2 ... rows`, grid and row bands alternated
// round by round in one process; docs/benchmarks.md, sgemm6): 256³–2048³ at 87–92 % of the FMA
// peak against 66–84 % (6–26 % less time), the char-GPT's 2048×512×128 27 % less, its training
// step 5 %. Cut by columns instead, both threads read the same rows of A at once and each ran 4–5 %
// slower per CPU second than alone. Each thread packs all of op(B), hence MinRowsPerThread.
// Zen 5 (family 26, full-width 512-bit units) keeps the grid it was tuned with (not measurable
// here); other CPUs too. Every grid sums each element in the same order: same bits either way.

/// <summary>Whether a parallel GEMM call gives each thread one band of C's rows (see the notes above).</summary>
internal static class GemmRowBands
{
    /// <summary>
    /// On for AMD family 25 (Zen 4); the SGEMM probe turns it off and on to compare both grids in
    /// one process (same bits either way).
    /// </summary>
    public static bool Enabled { get; set; } = CpuIdentity.IsAmdFamily25;

    /// <summary>What the bench prints as the grid over C that parallel calls use on this CPU.</summary>
    public static string Description => Enabled
        ? "one band of rows per thread (AMD family 25)"
        : GemmBlocking.SharedBEnabled ? "about two regions per thread, B packed once for middle sizes" : "about two regions per thread, each packing its own B";

    /// <summary>
    /// The fewest rows of C per thread: every thread packs all of op(B), once per
    /// <see cref="MinRowsPerThread"/> or more rows. Measured inside the seed CNN's training step, its
    /// Dense input gradient (128×5408×128, B transposed and 2.7 MB, 64 rows per thread) made the step
    /// 6 % slower with row bands (each thread gathering all of B from memory), while the SGEMM probe,
    /// B warm in L3, had it 13 % faster.
    /// </summary>
    public const int MinRowsPerThread = 128;

    /// <summary>
    /// Whether a call takes the row bands: on, several threads, enough work for the pool, and at
    /// least <see cref="MinRowsPerThread"/> rows of C per thread.
    /// </summary>
    public static bool Applies(in GemmArgs args, int threads) =>
        Enabled && threads > 1 && args.M >= MinRowsPerThread * threads && (long)args.M * args.N * args.K >= GemmBlocking.ParallelThreshold;
}
