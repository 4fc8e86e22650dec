using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// u8 × s8 → s32 matrix product: C[m, n] = Σ_k A[m, k] · W[k, n], A row-major unsigned bytes
/// (quantized activations), W packed <see cref="Int8Weights"/>, C int32 (overwritten). Exact on
/// every <see cref="Int8Path"/>; the naive twin is <c>Reference.NaiveInt8.Gemm</c>.
/// </summary>
internal static unsafe class Int8Gemm
{
    /// <summary>Rows per parallel work item and per packed block of A.</summary>
    public const int RowBlock = 64;

    /// <summary>C = A · W over all rows, spread over the worker pool in blocks of <see cref="RowBlock"/> rows.</summary>
    /// <exception cref="ArgumentException">A size or stride is out of range, or a span is too short.</exception>
    public static void Multiply(int m, ReadOnlySpan<byte> a, int lda, Int8Weights w, Span<int> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(w);
        CheckOperands(m, a.Length, lda, w, c.Length, ldc);
        if (m == 0 || w.N == 0) return;
        fixed (byte* pa = a)
        fixed (int* pc = c)
        {
            var body = new Rows(pa, lda, w, pc, ldc, m);
            WorkerPool.Shared.For((m + RowBlock - 1) / RowBlock, body, (long)m * w.K * w.N / 4);
        }
    }

    internal static void CheckOperands(int m, int aLength, int lda, Int8Weights w, int cLength, int ldc)
    {
        if (m < 0 || lda < w.K || ldc < w.N)
            throw new ArgumentOutOfRangeException(nameof(m), $"Int8 GEMM m={m}, n={w.N}, k={w.K} needs m ≥ 0, lda ≥ k, ldc ≥ n; got lda={lda}, ldc={ldc}.");
        if (m > 0 && ((long)(m - 1) * lda + w.K > aLength || (long)(m - 1) * ldc + w.N > cLength))
            throw new ArgumentException($"Int8 GEMM m={m}, n={w.N}, k={w.K}: A has {aLength} values (needs {(long)(m - 1) * lda + w.K}), C {cLength} (needs {(long)(m - 1) * ldc + w.N}).");
    }

    private sealed class Rows(byte* a, int lda, Int8Weights w, int* c, int ldc, int m) : IParallelBody
    {
        public void Execute(int index)
        {
            int r0 = index * RowBlock, rows = Math.Min(RowBlock, m - r0);
            MultiplyRows(a + (long)r0 * lda, lda, rows, w, c + (long)r0 * ldc, ldc);
        }
    }

    /// <summary>Bytes a caller of <see cref="MultiplyRows"/> with <c>readable</c> keeps readable after A's last value.</summary>
    public const int Slack = 4;

    /// <summary>
    /// C = A · W for <paramref name="rows"/> rows on the calling thread. A is packed into this
    /// thread's scratch, except on the VNNI path when <paramref name="readable"/> says that A's
    /// buffer holds <see cref="Slack"/> readable bytes after its last value: the kernel then reads A
    /// in place, 4 bytes at a time past each row's end, where the zero padding of the packed weights
    /// makes whatever it reads count for nothing; there <see cref="Int8GemmZeroQuads"/> skips the
    /// quads that are zero (u8 after a ReLU) where they are many (the same sums). On the 512-bit
    /// <c>vpmaddwd</c> path A is always read in place, never past a row's K bytes, and only its
    /// non-zero pairs are multiplied (<see cref="Int8GemmZeroPairs"/>).
    /// </summary>
    public static void MultiplyRows(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc, bool readable = false)
    {
        if (rows <= 0 || w.N == 0) return;
        switch (w.Path)
        {
            case Int8Path.Vnni256 when readable && Int8GemmZeroQuads.Applies(w):
                Int8GemmZeroQuads.MultiplyRows(a, lda, rows, w, c, ldc);
                break;
            case Int8Path.Vnni256 when readable:
                VnniInPlace(a, lda, rows, w, c, ldc);
                break;
            case Int8Path.Vnni256:
                Vnni(a, lda, rows, w, c, ldc);
                break;
            case Int8Path.MultiplyAdd512 when Int8GemmZeroPairs.Applies(w):
                Int8GemmZeroPairs.MultiplyRows(a, lda, rows, w, c, ldc);
                break;
            case Int8Path.MultiplyAdd256:
                MultiplyAdd256(a, lda, rows, w, c, ldc);
                break;
            default:
                Scalar(a, lda, rows, w, c, ldc);
                break;
        }
    }

    private static void Vnni(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int quads = w.Quads, stride = quads * 4, k = w.K;
        byte* packed = Int8Scratch.Bytes(Int8Scratch.PackedA, (long)rows * stride);
        for (int r = 0; r < rows; r++)
        {
            byte* dst = packed + (long)r * stride;
            new ReadOnlySpan<byte>(a + (long)r * lda, k).CopyTo(new Span<byte>(dst, k));
            for (int i = k; i < stride; i++) dst[i] = 0;
        }
        fixed (sbyte* pw = w.Bytes)
        {
            for (int t = 0; t < w.Tiles; t++)
            {
                sbyte* tile = pw + (long)t * quads * Int8Weights.TileN * 4;
                int cols = Math.Min(Int8Weights.TileN, w.N - t * Int8Weights.TileN);
                int* ct = c + t * Int8Weights.TileN;
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                    Int8MicroKernels.Vnni4(packed + (long)r * stride, stride, tile, quads, ct + (long)r * ldc, ldc, cols);
                for (; r < rows; r++)
                    Int8MicroKernels.Vnni1(packed + (long)r * stride, tile, quads, ct + (long)r * ldc, cols);
            }
        }
    }

    /// <summary>The VNNI kernels on A read in place (every quad multiplied).</summary>
    internal static void VnniInPlace(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int quads = w.Quads;
        if (rows < 4)
        {
            Vnni1Row(a, lda, rows, w, c, ldc);
            return;
        }
        fixed (sbyte* pw = w.Bytes)
        {
            for (int t = 0; t < w.Tiles; t++)
            {
                sbyte* tile = pw + (long)t * quads * Int8Weights.TileN * 4;
                int cols = Math.Min(Int8Weights.TileN, w.N - t * Int8Weights.TileN);
                int* ct = c + t * Int8Weights.TileN;
                int r = 0;
                bool pair = w.N - t * Int8Weights.TileN >= 2 * Int8Weights.TileN;
                if (pair)
                {
                    // Two full tiles at once; the rows left over go row by row, tile by tile, below.
                    sbyte* next = tile + (long)quads * Int8Weights.TileN * 4;
                    for (; r + 4 <= rows; r += 4)
                        Int8MicroKernels.Vnni4x2(a + (long)r * lda, lda, tile, quads, ct + (long)r * ldc, ldc);
                    for (int r2 = r; r2 < rows; r2++)
                        Int8MicroKernels.Vnni1(a + (long)r2 * lda, next, quads, ct + Int8Weights.TileN + (long)r2 * ldc, Int8Weights.TileN);
                }
                for (; r + 4 <= rows; r += 4)
                    Int8MicroKernels.Vnni4(a + (long)r * lda, lda, tile, quads, ct + (long)r * ldc, ldc, cols);
                for (; r < rows; r++)
                    Int8MicroKernels.Vnni1(a + (long)r * lda, tile, quads, ct + (long)r * ldc, cols);
                if (pair) t++;
            }
        }
    }

    /// <summary>Fewer than 4 rows (batch 1), each read in place: 64 channels at a time (<see cref="Int8MicroKernels.Vnni1x4"/>), then tile by tile.</summary>
    private static void Vnni1Row(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int quads = w.Quads;
        long tileBytes = (long)quads * Int8Weights.TileN * 4;
        fixed (sbyte* pw = w.Bytes)
        {
            for (int r = 0; r < rows; r++)
            {
                byte* ar = a + (long)r * lda;
                int* cr = c + (long)r * ldc;
                int t = 0;
                for (; (t + 4) * Int8Weights.TileN <= w.N; t += 4)
                    Int8MicroKernels.Vnni1x4(ar, pw + t * tileBytes, quads, cr + t * Int8Weights.TileN);
                for (; t < w.Tiles; t++)
                    Int8MicroKernels.Vnni1(ar, pw + t * tileBytes, quads, cr + t * Int8Weights.TileN, Math.Min(Int8Weights.TileN, w.N - t * Int8Weights.TileN));
            }
        }
    }

    /// <summary>The AVX2 <c>vpmaddwd</c> path: A widened to int16 (16 bytes per <c>vpmovzxbw</c>) into this thread's scratch, then 4 rows × one tile at a time.</summary>
    private static void MultiplyAdd256(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int pairs = w.Pairs, stride = pairs * 2, k = w.K;
        short* packed = Int8Scratch.Shorts(Int8Scratch.PackedA, (long)rows * stride);
        for (int r = 0; r < rows; r++)
            Widen(a + (long)r * lda, k, packed + (long)r * stride, stride);
        fixed (short* pw = w.Shorts)
        {
            for (int t = 0; t < w.Tiles; t++)
            {
                short* tile = pw + (long)t * pairs * Int8Weights.TileN * 2;
                int cols = Math.Min(Int8Weights.TileN, w.N - t * Int8Weights.TileN);
                int* ct = c + t * Int8Weights.TileN;
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                    Int8MicroKernels.MultiplyAdd256x4(packed + (long)r * stride, stride, tile, pairs, ct + (long)r * ldc, ldc, cols);
                for (; r < rows; r++)
                    Int8MicroKernels.MultiplyAdd256x1(packed + (long)r * stride, tile, pairs, ct + (long)r * ldc, cols);
            }
        }
    }

    /// <summary>k u8 values as int16 at <paramref name="dst"/>, zero up to <paramref name="length"/>.</summary>
    internal static void Widen(byte* src, int k, short* dst, int length)
    {
        int i = 0;
        if (Avx2.IsSupported)
            for (; i + 16 <= k; i += 16)
                Avx2.ConvertToVector256Int16(Vector128.Load(src + i)).Store(dst + i);
        for (; i < k; i++) dst[i] = src[i];
        for (; i < length; i++) dst[i] = 0;
    }

    private static void Scalar(byte* a, int lda, int rows, Int8Weights w, int* c, int ldc)
    {
        int k = w.K, n = w.N;
        fixed (sbyte* pw = w.Bytes)
        {
            for (int r = 0; r < rows; r++)
            {
                int* cr = c + (long)r * ldc;
                byte* ar = a + (long)r * lda;
                for (int j = 0; j < n; j++) cr[j] = 0;
                for (int i = 0; i < k; i++)
                {
                    int x = ar[i];
                    if (x == 0) continue;
                    sbyte* wr = pw + (long)i * n;
                    for (int j = 0; j < n; j++) cr[j] += x * wr[j];
                }
            }
        }
    }
}
