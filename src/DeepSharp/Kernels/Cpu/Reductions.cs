using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Sums and the bias add; see <see cref="NaiveReductions"/> for the exact contract.
/// </summary>
/// <remarks>
/// Determinism: sums are cut into blocks of a fixed size; each block is summed in float
/// (vectorised), block sums are added in double in block order. Blocks may run on any thread,
/// so the result is the same for every thread count (it may differ between instruction sets,
/// whose vector widths order the in-block additions differently).
/// </remarks>
internal static unsafe class Reductions
{
    private const int SumBlock = 4096;        // elements per block of Sum
    /// <summary>Rows per block of <see cref="SumRows"/> (its float partials; the blocks are added in double).</summary>
    public const int SumRowsBlock = 256;
    private const int ParallelElements = 1 << 18;

    public static float Sum(ReadOnlySpan<float> x)
    {
        int blocks = (x.Length + SumBlock - 1) / SumBlock;
        if (blocks <= 1) return TensorPrimitives.Sum(x);
        float* partials = Scratch.Floats(Scratch.Packed, blocks);
        fixed (float* px = x)
        {
            if (x.Length >= ParallelElements && WorkerPool.Shared.ThreadCount > 1)
                BlockSums.Run(px, x.Length, partials, blocks);
            else
                for (int b = 0; b < blocks; b++) partials[b] = BlockSums.Block(px, x.Length, b);
        }
        double sum = 0;
        for (int b = 0; b < blocks; b++) sum += partials[b];
        return (float)sum;
    }

    /// <summary>colSums[c] += Σ_r x[r, c] for a rows×cols matrix (the bias gradient).</summary>
    public static void SumRows(ReadOnlySpan<float> x, Span<float> colSums, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || x.Length < (long)rows * cols || colSums.Length < cols)
            throw new ArgumentException($"SumRows of {rows}×{cols} got {x.Length} inputs and {colSums.Length} sums.");
        if (rows == 0 || cols == 0) return;
        int blocks = (rows + SumRowsBlock - 1) / SumRowsBlock;
        float* partials = Scratch.Floats(Scratch.Packed, (long)blocks * cols);
        fixed (float* px = x)
        {
            if ((long)rows * cols >= ParallelElements && WorkerPool.Shared.ThreadCount > 1)
                RowBlockSums.Run(px, rows, cols, partials, blocks);
            else
                for (int b = 0; b < blocks; b++) RowBlockSums.Block(px, rows, cols, partials, b);
        }
        AddBlockPartials(new ReadOnlySpan<float>(partials, blocks * cols), blocks, colSums, cols);
    }

    /// <summary>
    /// colSums[c] += Σ_b partials[b, c], added in double in block order: the last stage of
    /// <see cref="SumRows"/>, for callers that form its float block partials themselves.
    /// </summary>
    public static void AddBlockPartials(ReadOnlySpan<float> partials, int blocks, Span<float> colSums, int cols)
    {
        if (blocks < 0 || cols < 0 || partials.Length < (long)blocks * cols || colSums.Length < cols)
            throw new ArgumentException($"AddBlockPartials of {blocks}×{cols} got {partials.Length} partials and {colSums.Length} sums.");
        double* total = Scratch.Doubles(Scratch.Packed, cols);
        new Span<double>(total, cols).Clear();
        for (int b = 0; b < blocks; b++)
            for (int c = 0; c < cols; c++) total[c] += partials[b * cols + c];
        for (int c = 0; c < cols; c++) colSums[c] += (float)total[c];
    }

    /// <summary>Rows per work item of a parallel <see cref="AddBias"/> (each element's sum is the same on any thread).</summary>
    private const int BiasRowsBlock = 64;

    /// <summary>x[r, c] += bias[c] in place; large matrices in blocks of rows over the worker pool.</summary>
    public static void AddBias(Span<float> x, ReadOnlySpan<float> bias, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || x.Length < (long)rows * cols || bias.Length < cols)
            throw new ArgumentException($"AddBias of {rows}×{cols} got {x.Length} values and {bias.Length} biases.");
        bias = bias[..cols];
        if ((long)rows * cols >= WorkerPool.InlineWork && rows > BiasRowsBlock && WorkerPool.Shared.ThreadCount > 1)
        {
            fixed (float* px = x, pb = bias)
                BiasRows.Run(px, pb, rows, cols);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * cols, cols);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    private sealed class BiasRows : IParallelBody
    {
        [ThreadStatic] private static BiasRows? t_instance;
        private float* _x, _bias;
        private int _rows, _cols;

        public static void Run(float* x, float* bias, int rows, int cols)
        {
            var body = t_instance ??= new BiasRows();
            body._x = x;
            body._bias = bias;
            body._rows = rows;
            body._cols = cols;
            try { WorkerPool.Shared.For((rows + BiasRowsBlock - 1) / BiasRowsBlock, body); }
            finally { body._x = body._bias = null; }
        }

        public void Execute(int b)
        {
            var bias = new ReadOnlySpan<float>(_bias, _cols);
            for (int r = b * BiasRowsBlock, end = Math.Min(_rows, r + BiasRowsBlock); r < end; r++)
            {
                var row = new Span<float>(_x + (long)r * _cols, _cols);
                TensorPrimitives.Add(row, bias, row);
            }
        }
    }

    private sealed class BlockSums : IParallelBody
    {
        [ThreadStatic] private static BlockSums? t_instance;
        private float* _x, _partials;
        private int _length;

        public static void Run(float* x, int length, float* partials, int blocks)
        {
            var body = t_instance ??= new BlockSums();
            body._x = x;
            body._length = length;
            body._partials = partials;
            try { WorkerPool.Shared.For(blocks, body); }
            finally { body._x = body._partials = null; }
        }

        public static float Block(float* x, int length, int b)
        {
            int start = b * SumBlock;
            return TensorPrimitives.Sum(new ReadOnlySpan<float>(x + start, Math.Min(SumBlock, length - start)));
        }

        public void Execute(int b) => _partials[b] = Block(_x, _length, b);
    }

    private sealed class RowBlockSums : IParallelBody
    {
        [ThreadStatic] private static RowBlockSums? t_instance;
        private float* _x, _partials;
        private int _rows, _cols;

        public static void Run(float* x, int rows, int cols, float* partials, int blocks)
        {
            var body = t_instance ??= new RowBlockSums();
            body._x = x;
            body._rows = rows;
            body._cols = cols;
            body._partials = partials;
            try { WorkerPool.Shared.For(blocks, body); }
            finally { body._x = body._partials = null; }
        }

        /// <summary>partials[b, :] = Σ of rows [b·block, (b+1)·block), summed in float.</summary>
        public static void Block(float* x, int rows, int cols, float* partials, int b)
        {
            float* acc = partials + b * cols;
            int r0 = b * SumRowsBlock, r1 = Math.Min(rows, r0 + SumRowsBlock);
            new ReadOnlySpan<float>(x + (long)r0 * cols, cols).CopyTo(new Span<float>(acc, cols));
            var total = new Span<float>(acc, cols);
            for (int r = r0 + 1; r < r1; r++)
                ElementwiseDriver.Map(default(AddOperator), total, new ReadOnlySpan<float>(x + (long)r * cols, cols), total);
        }

        public void Execute(int b) => Block(_x, _rows, _cols, _partials, b);
    }
}
