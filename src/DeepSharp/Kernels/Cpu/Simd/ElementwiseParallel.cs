namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// <see cref="ElementwiseDriver"/>'s loops over the worker pool for large spans: fixed chunks of
/// <see cref="ChunkElements"/> each run the driver's loop on their own range. Every element gets
/// the same operations whichever thread runs its chunk, so the bits are those of the one-thread
/// loop. Below the pool's <see cref="WorkerPool.InlineWork"/> the caller runs it alone.
/// </summary>
internal static unsafe class ElementwiseParallel
{
    /// <summary>Elements per work item (128 KiB of floats per span).</summary>
    public const int ChunkElements = 32768;

    /// <summary>d[i] = op(x[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> d)
        where TOp : struct, IUnaryOperator
    {
        ElementwiseDriver.RequireLength(d.Length, x.Length, nameof(d));
        if (Inline(x.Length))
        {
            ElementwiseDriver.Map(op, x, d);
            return;
        }
        fixed (float* px = x, pd = d)
            new Unary<TOp>(op, px, pd).Run(x.Length);
    }

    /// <summary>d[i] = op(x[i], y[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        where TOp : struct, IBinaryOperator
    {
        ElementwiseDriver.RequireLength(y.Length, x.Length, nameof(y));
        ElementwiseDriver.RequireLength(d.Length, x.Length, nameof(d));
        if (Inline(x.Length))
        {
            ElementwiseDriver.Map(op, x, y, d);
            return;
        }
        fixed (float* px = x, py = y, pd = d)
            new Binary<TOp>(op, px, py, pd).Run(x.Length);
    }

    /// <summary>d[i] = op(x[i], y[i], z[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> d)
        where TOp : struct, ITernaryOperator
    {
        ElementwiseDriver.RequireLength(y.Length, x.Length, nameof(y));
        ElementwiseDriver.RequireLength(z.Length, x.Length, nameof(z));
        ElementwiseDriver.RequireLength(d.Length, x.Length, nameof(d));
        if (Inline(x.Length))
        {
            ElementwiseDriver.Map(op, x, y, z, d);
            return;
        }
        fixed (float* px = x, py = y, pz = z, pd = d)
            new Ternary<TOp>(op, px, py, pz, pd).Run(x.Length);
    }

    private static bool Inline(int length) => length < WorkerPool.InlineWork || WorkerPool.Shared.ThreadCount == 1;

    /// <summary>Runs a chunk body over the pool: one chunk per work item.</summary>
    private static void RunChunks<TBody>(TBody body, int length) where TBody : IParallelBody =>
        WorkerPool.Shared.For((length + ChunkElements - 1) / ChunkElements, body);

    private static (int Start, int Count) Chunk(int chunk, int length)
    {
        int start = chunk * ChunkElements, n = Math.Min(ChunkElements, length - start);
        KernelBounds.Range(start, n, length);
        return (start, n);
    }

    private sealed class Unary<TOp>(TOp op, float* x, float* d) : IParallelBody where TOp : struct, IUnaryOperator
    {
        private int _length;

        public void Run(int length)
        {
            _length = length;
            RunChunks(this, length);
        }

        public void Execute(int chunk)
        {
            var (s, n) = Chunk(chunk, _length);
            ElementwiseDriver.Map(op, new ReadOnlySpan<float>(x + s, n), new Span<float>(d + s, n));
        }
    }

    private sealed class Binary<TOp>(TOp op, float* x, float* y, float* d) : IParallelBody where TOp : struct, IBinaryOperator
    {
        private int _length;

        public void Run(int length)
        {
            _length = length;
            RunChunks(this, length);
        }

        public void Execute(int chunk)
        {
            var (s, n) = Chunk(chunk, _length);
            ElementwiseDriver.Map(op, new ReadOnlySpan<float>(x + s, n), new ReadOnlySpan<float>(y + s, n), new Span<float>(d + s, n));
        }
    }

    private sealed class Ternary<TOp>(TOp op, float* x, float* y, float* z, float* d) : IParallelBody where TOp : struct, ITernaryOperator
    {
        private int _length;

        public void Run(int length)
        {
            _length = length;
            RunChunks(this, length);
        }

        public void Execute(int chunk)
        {
            var (s, n) = Chunk(chunk, _length);
            ElementwiseDriver.Map(op, new ReadOnlySpan<float>(x + s, n), new ReadOnlySpan<float>(y + s, n),
                new ReadOnlySpan<float>(z + s, n), new Span<float>(d + s, n));
        }
    }
}
