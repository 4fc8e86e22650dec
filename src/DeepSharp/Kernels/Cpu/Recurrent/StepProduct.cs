namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A recurrent step's product over a row group, C[:, c0..c1) (+)= A·B with B packed once per sequence
// (GemmPackedB) and A read in place, in tiles of 12 rows (StepTileKernel512) instead of the driver's 8:
// 16 rows run as 12 + 4, 20 as 12 + 8, 24 as 12 + 12. Loop order as RunPackedRegion's: k blocks of
// GemmBlocking.Kc outermost (the first stored unless accumulating, the others added), then the 32-wide
// micro-panels of B, each serving every row tile in turn. Every element is summed as the driver sums
// it, so the bits are those of Gemm.Multiply (and of any row split). Taken where every tile is whole
// (rows a multiple of 4, at least 12; whole micro-panels of columns) with B packed for the 512-bit
// kernel; on Intel only, where it was measured (docs/benchmarks.md, lstm5).

/// <summary>A recurrent step's product over a row group in 12-row tiles; see the notes above.</summary>
internal static unsafe class StepProduct
{
    /// <summary>Whether the recurrent steps take this path (the probes turn it off to compare in one process).</summary>
    internal static bool Enabled { get; set; } = CpuIdentity.IsIntel;

    /// <summary>Whether <see cref="Multiply"/> takes this call (and <see cref="Enabled"/> is on).</summary>
    public static bool Applies(GemmPackedB b, int rows, int c0, int c1) =>
        Enabled && Fits(b, rows, c0, c1);

    /// <summary>Whether the shapes suit <see cref="Multiply"/>, whatever <see cref="Enabled"/> says.</summary>
    public static bool Fits(GemmPackedB b, int rows, int c0, int c1) =>
        b.Kind == GemmKernelKind.Vector512 && b.K > 0 && rows >= 12 && rows % 4 == 0
        && c0 >= 0 && c0 % StepTileKernel512.Nr == 0 && c1 > c0 && (c1 - c0) % StepTileKernel512.Nr == 0 && c1 <= b.N;

    /// <summary>
    /// C[0..rows, c0..c1) (+)= A·B: A (rows, b.K) at <paramref name="a"/> with row stride <paramref name="lda"/>
    /// (<paramref name="lengthA"/> floats readable), C with row stride <paramref name="ldc"/> (<paramref name="lengthC"/> floats).
    /// </summary>
    public static void Multiply(GemmPackedB b, float* a, int lda, long lengthA, float* c, int ldc, long lengthC, int rows, int c0, int c1, bool accumulate)
    {
        KernelBounds.Check(Fits(b, rows, c0, c1) && lda >= b.K && ldc >= c1);
        KernelBounds.Range(0, (long)(rows - 1) * lda + b.K, lengthA);
        KernelBounds.Range(c0, (long)(rows - 1) * ldc + (c1 - c0), lengthC);
        const int nr = StepTileKernel512.Nr;
        int k = b.K;
        for (int pc = 0; pc < k; pc += GemmBlocking.Kc)
        {
            int kc = Math.Min(GemmBlocking.Kc, k - pc);
            bool add = accumulate || pc > 0;
            float* block = b.Block(pc);
            for (int col = c0; col < c1; col += nr)
            {
                float* panel = block + (nint)col * kc;
                int r = 0;
                for (; r + 12 <= rows; r += 12)
                    StepTileKernel512.Run12(kc, a + (nint)r * lda + pc, lda, panel, c + (nint)r * ldc + col, ldc, add);
                if (r + 8 <= rows)
                {
                    GemmMicroKernel512.RunInPlaceA(kc, a + (nint)r * lda + pc, lda, panel, c + (nint)r * ldc + col, ldc, add);
                    r += 8;
                }
                if (r < rows)
                    StepTileKernel512.Run4(kc, a + (nint)r * lda + pc, lda, panel, c + (nint)r * ldc + col, ldc, add);
            }
        }
    }
}
