using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A batch of independent products C_i = op(A_i)·op(B_i), X_i starting at i·strideX (cuBLAS's
// "strided batched" GEMM). Each product is one call of the packed GEMM (Gemm.cs), so every
// element is summed in exactly the order a single Gemm.Multiply would use.
// Threads: a product big enough for Gemm to split across threads (≥ GemmBlocking.ParallelThreshold
// multiply-adds) runs one after another, each spread by Gemm itself; smaller products (attention
// heads, short sequences) are spread over the worker pool in fixed chunks of the batch, each chunk
// running its products single-threaded (Gemm called from a worker runs inline). Which thread runs
// a chunk never changes its bits.

/// <summary>A batch of single-precision matrix products; see <see cref="NaiveBatchedGemm"/> for the contract.</summary>
internal static unsafe class BatchedGemm
{
    /// <summary>
    /// For i in [0, batch): C_i = op(A_i)·op(B_i), or C_i += op(A_i)·op(B_i) when <paramref name="accumulate"/>.
    /// A stride of 0 reuses one A or B for every product. The C matrices must not share elements.
    /// </summary>
    /// <exception cref="ArgumentException">A size or stride is negative, or a span is too short for the batch.</exception>
    public static void Multiply(int batch, bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        Span<float> c, int ldc, int strideC, bool accumulate)
    {
        Validate(batch, transA, transB, m, n, k, a.Length, lda, strideA, b.Length, ldb, strideB, c.Length, ldc, strideC);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0)
        {
            // No products to sum (A and B may be empty): C_i = 0, or unchanged when accumulating.
            if (!accumulate)
                for (int i = 0; i < batch; i++)
                    for (int r = 0; r < m; r++) c.Slice(i * strideC + r * ldc, n).Clear();
            return;
        }
        long work = (long)m * n * k;
        if (batch == 1 || WorkerPool.Shared.ThreadCount == 1 || work >= GemmBlocking.ParallelThreshold)
        {
            for (int i = 0; i < batch; i++)
                Gemm.Multiply(transA, transB, m, n, k, a[(i * strideA)..], lda, b[(i * strideB)..], ldb, c[(i * strideC)..], ldc, accumulate);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var tasks = BatchedGemmTasks.ForThisThread;
            tasks.Set(new BatchedGemmArgs
            {
                A = pa, B = pb, C = pc,
                LengthA = a.Length, LengthB = b.Length, LengthC = c.Length,
                Lda = lda, Ldb = ldb, Ldc = ldc,
                StrideA = strideA, StrideB = strideB, StrideC = strideC,
                Batch = batch, M = m, N = n, K = k,
                TransA = transA, TransB = transB, Accumulate = accumulate,
            });
            WorkerPool.Shared.For(BatchedGemmTasks.ChunkCount(batch), tasks);
        }
    }

    internal static void Validate(int batch, bool transA, bool transB, int m, int n, int k,
        int lengthA, int lda, int strideA, int lengthB, int ldb, int strideB, int lengthC, int ldc, int strideC)
    {
        if (batch < 0 || m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Batched GEMM sizes must be non-negative: batch={batch}, m={m}, n={n}, k={k}.");
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentOutOfRangeException(nameof(strideA), $"Batched GEMM strides must be non-negative: strideA={strideA}, strideB={strideB}, strideC={strideC}.");
        if (batch == 0) return;
        CheckOperand("A", transA ? k : m, transA ? m : k, lda, strideA, lengthA, batch, m, n, k);
        CheckOperand("B", transB ? n : k, transB ? k : n, ldb, strideB, lengthB, batch, m, n, k);
        CheckOperand("C", m, n, ldc, strideC, lengthC, batch, m, n, k);
    }

    private static void CheckOperand(string name, int rows, int cols, int ld, int stride, int length, int batch, int m, int n, int k)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols)
            throw new ArgumentException(
                $"Batched GEMM: the leading dimension of {name} ({ld}) is smaller than its {cols} columns ({rows}x{cols}; batch={batch}, m={m}, n={n}, k={k}).", name.ToLowerInvariant());
        long needed = (long)(batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"Batched GEMM: {name} holds {length} floats but {batch} matrices of {rows}x{cols} (leading dimension {ld}, stride {stride}) need {needed} (m={m}, n={n}, k={k}).", name.ToLowerInvariant());
    }
}

/// <summary>Pointers, strides and flags of one batched GEMM call (validated by <see cref="BatchedGemm"/>).</summary>
internal unsafe struct BatchedGemmArgs
{
    public float* A, B, C;
    public int LengthA, LengthB, LengthC;
    public int Lda, Ldb, Ldc, StrideA, StrideB, StrideC;
    public int Batch, M, N, K;
    public bool TransA, TransB, Accumulate;
}

/// <summary>
/// The worker-pool body of a batched GEMM of small products: chunk t runs products
/// [t·batch/chunks, (t+1)·batch/chunks). One instance per calling thread, reused (no allocation).
/// </summary>
internal sealed unsafe class BatchedGemmTasks : IParallelBody
{
    /// <summary>Chunks per thread: enough for load balance, few enough to keep claiming cheap.</summary>
    private const int ChunksPerThread = 4;

    [ThreadStatic] private static BatchedGemmTasks? t_instance;

    private BatchedGemmArgs _args;
    private int _chunks;

    public static BatchedGemmTasks ForThisThread => t_instance ??= new BatchedGemmTasks();

    public static int ChunkCount(int batch) => Math.Min(batch, WorkerPool.Shared.ThreadCount * ChunksPerThread);

    public void Set(in BatchedGemmArgs args)
    {
        _args = args;
        _chunks = ChunkCount(args.Batch);
    }

    public void Execute(int index)
    {
        ref readonly var g = ref _args;
        int first = (int)((long)index * g.Batch / _chunks), last = (int)((long)(index + 1) * g.Batch / _chunks);
        var a = new ReadOnlySpan<float>(g.A, g.LengthA);
        var b = new ReadOnlySpan<float>(g.B, g.LengthB);
        var c = new Span<float>(g.C, g.LengthC);
        for (int i = first; i < last; i++)
            Gemm.Multiply(g.TransA, g.TransB, g.M, g.N, g.K, a[(i * g.StrideA)..], g.Lda, b[(i * g.StrideB)..], g.Ldb,
                c[(i * g.StrideC)..], g.Ldc, g.Accumulate);
    }
}
