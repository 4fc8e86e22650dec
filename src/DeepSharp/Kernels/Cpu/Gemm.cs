using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Algorithm: the GotoBLAS / BLIS layering (Goto & van de Geijn, "Anatomy of High-Performance
// Matrix Multiplication", 2008; Van Zee & van de Geijn, "BLIS", 2015), written from those papers.
//   for jc in NC-column panels of C:            B panel KC×NC packed (≤ 512 KB, lives in L2)
//     for pc in KC-deep slices of k:            KC = 256, fixed
//       pack op(B)[pc.., jc..] into Nr-wide micro-panels
//       for ic in MC-row blocks:                pack op(A)[ic.., pc..] into Mr-tall micro-panels
//         for ir in Mr rows:                    A micro-panel Mr×KC (4–8 KB) stays in L1
//           for jr in Nr columns:               micro-kernel: Mr×Nr tile of C in registers
// Packing absorbs the transposes and strides, so one micro-kernel serves all four cases, and pads
// the last panels with zeros; edge tiles run the full kernel into a scratch tile and copy.
// A not transposed, 512-bit kernel: full 8-row panels of A are read in place (8 row pointers, k
// along each row) instead of packed; only a last partial panel is packed. Same products in the same
// order, so the same bits; packing A (a 4×4-transpose gather) had cost ~10–25 % of the multiply for
// the Transformer's shapes (N = 128–512) and ~5–10 % at 1024³–2048³.
// A transposed and C at most 128 columns wide (weight gradients of narrow layers, attention's
// dV/dK): full panels are read in place too, each k step 8 contiguous floats of a row of A (the
// packed layout at a stride of lda); 3–15 % faster there, but slower for wide C, where a packed
// panel in L1 serves many tiles and an in-place one is re-read from L2 by each.
// Packing a wide B (512-bit kernel, 32-float panels, not transposed) goes through B in bands of
// 8 rows (contiguous row streams) instead of panel by panel down all KC rows; the 512-bit kernel
// prefetches its C tile before the k loop (C is out of L2 from 1024² on). Tall products that read
// an in-place A once from memory (A > L2, k block ≥ 128, ≤ 8 tiles per row panel: a 1×1
// convolution's 25,088×128×128) prefetch the next A row panel during the current one's tiles.
// The micro-kernels are never inlined (see GemmMicroKernel512's remarks: inlined into the large
// driver methods, some compilations kept accumulators on the stack inside the k loop).
// Micro-kernels (chosen at run time): Vector512 8×32 (16 zmm accumulators), Vector256+FMA 6×16
// (12 ymm), Vector128 6×8, scalar 4×4.
// Threads: C is cut into a grid of regions (about two per thread, shaped by a small cost model:
// balance vs. repeated packing) run by WorkerPool.Shared; each region packs its own panels. For the
// middle sizes (op(B) up to 3 MB packed: 256³–768³, the Dense layers' products) op(B) is packed
// once per call instead, lazily, by whichever region needs a group of columns first (GemmSharedB),
// and the grid is finer (about four regions per thread) since more regions no longer pack more.
// On Zen 4 (AMD family 25) both give way to one band of C's rows per thread, each packing its own
// B, from 128 rows per thread (GemmRowBands): 256³–2048³ on two threads 6–26 % less time.
// Determinism: every output element is summed in the same order (k blocks of KC in turn, each
// summed from zero, then added to C) whichever region or thread holds it, so results are
// bit-identical for any thread count. A small C with a long k (C ≤ 64K floats, ≥ 2 k blocks per
// thread: a Dense layer's forward, 128×128×5408) spreads its k blocks over the threads instead
// (GemmSplitK): each block outside the first slice is summed into a partial of its own and the
// partials are added to C in block order afterwards, the same sum in the same order.
// Small M (≤ 8 rows, B not transposed): GemmSmallM reads B in place instead of packing it, with
// the same summation order (bit-identical results); see its notes. Narrow N (≤ 16 columns, 512-bit
// level, taken first): GemmNarrowN, 8×16 tiles on a 16-float-wide packed B, same order again.
// Prepacked B (GemmPackedB, the recurrent step's h·U): B packed once for many calls; each call
// packs only A and walks the B panels column-panel by column-panel (see GemmDriver.RunPackedRegion).
// Measured on the dev box (AMD Zen 5, 2 cores, per second of CPU time on one thread, shared
// machine): the 8×32 micro-kernel alone runs at 98–103 % of the FMA loop's peak (B from L1 or
// L2), Gemm.Multiply 512³–2048³ at 83–95 % (bench/sgemm/sgemm-probe.cs; docs/benchmarks.md).

/// <summary>Single-precision matrix multiply; see <see cref="NaiveGemm"/> for the exact contract.</summary>
internal static unsafe class Gemm
{
    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>; row-major.</summary>
    /// <exception cref="ArgumentException">A size is negative, a leading dimension is smaller than
    /// its row, or a span is too short for the sizes given.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Gemm sizes must be non-negative: m={m}, n={n}, k={k}.");
        CheckOperand("A", transA ? k : m, transA ? m : k, lda, a.Length, "lda", m, n, k);
        CheckOperand("B", transB ? n : k, transB ? k : n, ldb, b.Length, "ldb", m, n, k);
        CheckOperand("C", m, n, ldc, c.Length, "ldc", m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var args = new GemmArgs
            {
                A = pa,
                B = pb,
                C = pc,
                LengthA = a.Length,
                LengthB = b.Length,
                LengthC = c.Length,
                Lda = lda,
                Ldb = ldb,
                Ldc = ldc,
                M = m,
                N = n,
                K = k,
                TransA = transA,
                TransB = transB,
                Accumulate = accumulate,
            };
            if (GemmNarrowN.Applies(args)) GemmNarrowN.Multiply(args);
            else if (GemmSmallM.Applies(args)) GemmSmallM.Multiply(args);
            else if (Vector512.IsHardwareAccelerated) GemmDriver<GemmMicroKernel512>.Multiply(args, null);
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported) GemmDriver<GemmMicroKernel256>.Multiply(args, null);
            else if (Vector128.IsHardwareAccelerated) GemmDriver<GemmMicroKernel128>.Multiply(args, null);
            else GemmDriver<GemmMicroKernelScalar>.Multiply(args, null);
        }
    }

    /// <summary>
    /// C = op(A)·B, or C += op(A)·B when <paramref name="accumulate"/>, with B packed beforehand
    /// (<see cref="GemmPackedB"/>): bit-identical to <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>
    /// on the unpacked B, without packing B again on every call.
    /// </summary>
    /// <exception cref="ArgumentException">m is negative, a leading dimension is smaller than its
    /// row, a span is too short, or <paramref name="b"/> was packed for another instruction set.</exception>
    public static void Multiply(bool transA, int m, ReadOnlySpan<float> a, int lda, GemmPackedB b, Span<float> c, int ldc, bool accumulate)
    {
        ArgumentNullException.ThrowIfNull(b);
        ObjectDisposedException.ThrowIf(b.IsDisposed, b);
        int n = b.N, k = b.K;
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), $"Gemm sizes must be non-negative: m={m}, n={n}, k={k}.");
        if (b.Kind != GemmKernels.Current)
            throw new ArgumentException($"Gemm: B was packed for the {b.Kind} kernel but this process runs {GemmKernels.Current}.", nameof(b));
        CheckOperand("A", transA ? k : m, transA ? m : k, lda, a.Length, "lda", m, n, k);
        CheckOperand("C", m, n, ldc, c.Length, "ldc", m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (float* pa = a, pc = c)
        {
            var args = new GemmArgs
            {
                A = pa,
                C = pc,
                LengthA = a.Length,
                LengthB = b.Floats,
                LengthC = c.Length,
                Lda = lda,
                Ldb = b.PaddedN,
                Ldc = ldc,
                M = m,
                N = n,
                K = k,
                TransA = transA,
                Accumulate = accumulate,
            };
            switch (b.Kind)
            {
                case GemmKernelKind.Vector512: GemmDriver<GemmMicroKernel512>.Multiply(args, b); break;
                case GemmKernelKind.Vector256: GemmDriver<GemmMicroKernel256>.Multiply(args, b); break;
                case GemmKernelKind.Vector128: GemmDriver<GemmMicroKernel128>.Multiply(args, b); break;
                default: GemmDriver<GemmMicroKernelScalar>.Multiply(args, b); break;
            }
        }
    }

    internal static void CheckOperand(string name, int rows, int cols, int ld, int length, string ldName, int m, int n, int k)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols)
            throw new ArgumentException(
                $"Gemm: {ldName}={ld} is smaller than the {cols} columns of {name} as stored ({rows}x{cols}; m={m}, n={n}, k={k}).", ldName);
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"Gemm: {name} holds {length} floats but {rows}x{cols} with {ldName}={ld} needs {needed} (m={m}, n={n}, k={k}).", name.ToLowerInvariant());
    }
}
