using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A Dense layer with GELU (the Transformer MLP's first layer) ran three passes over its (rows, cols)
// output after the product: the bias add, GELU forward (into a fresh y), and backward GELU′ (into a
// fresh dX) followed by a separate column sum for the bias gradient. Each pass streams the whole
// matrix (2,048 × 512 floats = 4 MB in the char-GPT, twice an Emerald Rapids core's L2), so on a
// CPU whose FMAs are fast the passes are memory-bound. Here each row is finished while it is in L1:
//   forward   pre[r, :] += bias;  y[r, :] = pre[r, :]·Φ(pre[r, :])        one pass instead of two
//   backward  d[r, :] = dy[r, :]·GELU′(pre[r, :]); partial[block, :] += d[r, :]   one pass instead of two
// The operations are those of Reductions.AddBias (one float add per element), GeluKernel's operators
// and Reductions.SumRows (its blocks of SumRowsBlock rows, summed row after row in float, the block
// partials added in double in block order by AddBlockPartials), so the results are the same bits as
// the unfused passes, on any thread count (rows are independent; blocks have fixed bounds). Fewer
// passes and fewer parallel regions everywhere by construction, so not gated on a CPU.

/// <summary>Bias add + GELU and its backward with the bias gradient, fused per row; see <see cref="NaiveBiasGelu"/>.</summary>
internal static unsafe class BiasGeluKernel
{
    /// <summary>Elements per forward task (as GeluKernel's tasks).</summary>
    private const int TaskElements = 8192;

    /// <summary>pre[r, c] += bias[c]; y[r, c] = GELU(pre[r, c]) for a rows×cols matrix.</summary>
    public static void Forward(Span<float> pre, ReadOnlySpan<float> bias, Span<float> y, int rows, int cols)
    {
        Require(rows, cols, pre.Length, "pre", bias.Length, "bias", y.Length, "y");
        if (rows == 0 || cols == 0) return;
        fixed (float* pp = pre, pb = bias, py = y)
            Body.Run(pp, pb, null, py, null, rows, cols, backward: false);
    }

    /// <summary>
    /// d[r, c] = dy[r, c]·GELU′(pre[r, c]) (d overwritten; it may be dy itself); db[c] += Σ_r d[r, c]
    /// when <paramref name="db"/> is not empty, as <see cref="Reductions.SumRows"/> sums.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> pre, ReadOnlySpan<float> dy, Span<float> d, Span<float> db, int rows, int cols)
    {
        Require(rows, cols, pre.Length, "pre", db.IsEmpty ? cols : db.Length, "db", d.Length, "d");
        if (dy.Length < (long)rows * cols)
            throw new ArgumentException($"BiasGelu backward of {rows}×{cols} got dy of {dy.Length} elements.", nameof(dy));
        if (rows == 0 || cols == 0) return;
        int blocks = (rows + Reductions.SumRowsBlock - 1) / Reductions.SumRowsBlock;
        float* partials = db.IsEmpty ? null : Scratch.Floats(Scratch.Packed, (long)blocks * cols);
        fixed (float* pp = pre, pdy = dy, pd = d)
            Body.Run(pp, null, pdy, pd, partials, rows, cols, backward: true);
        if (!db.IsEmpty) Reductions.AddBlockPartials(new ReadOnlySpan<float>(partials, blocks * cols), blocks, db, cols);
    }

    private static void Require(int rows, int cols, int preLength, string what, int vectorLength, string vectorName, int outLength, string outName)
    {
        if (rows < 0 || cols < 0)
            throw new ArgumentException($"BiasGelu of {rows}×{cols}: sizes must be non-negative.");
        long n = (long)rows * cols;
        if (preLength < n || outLength < n || vectorLength < cols)
            throw new ArgumentException($"BiasGelu of {rows}×{cols} got {what} of {preLength}, {outName} of {outLength} and {vectorName} of {vectorLength} elements.");
    }

    /// <summary>Forward: tasks of whole rows (~<see cref="TaskElements"/> elements); backward: the SumRows blocks.</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _pre, _bias, _dy, _out, _partials;
        private int _rows, _cols, _rowsPerTask;
        private bool _backward;

        public static void Run(float* pre, float* bias, float* dy, float* output, float* partials, int rows, int cols, bool backward)
        {
            var body = t_instance ??= new Body();
            int rowsPerTask = backward ? Reductions.SumRowsBlock : Math.Max(1, TaskElements / cols);
            body._pre = pre;
            body._bias = bias;
            body._dy = dy;
            body._out = output;
            body._partials = partials;
            (body._rows, body._cols, body._rowsPerTask, body._backward) = (rows, cols, rowsPerTask, backward);
            int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._pre = body._bias = body._dy = body._out = body._partials = null; }
        }

        public void Execute(int task)
        {
            int cols = _cols, r0 = task * _rowsPerTask, r1 = Math.Min(_rows, r0 + _rowsPerTask);
            KernelBounds.Range(r0, r1 - r0, _rows);
            if (!_backward)
            {
                var bias = new ReadOnlySpan<float>(_bias, cols);
                for (int r = r0; r < r1; r++)
                {
                    var pre = new Span<float>(_pre + (long)r * cols, cols);
                    ElementwiseDriver.Map(default(AddOperator), pre, bias, pre);
                    ElementwiseDriver.Map(default(GeluOperator), pre, new Span<float>(_out + (long)r * cols, cols));
                }
                return;
            }
            float* acc = _partials is null ? null : _partials + (long)task * cols;
            for (int r = r0; r < r1; r++)
            {
                var d = new Span<float>(_out + (long)r * cols, cols);
                ElementwiseDriver.Map(default(GeluBackwardOperator), new ReadOnlySpan<float>(_pre + (long)r * cols, cols),
                    new ReadOnlySpan<float>(_dy + (long)r * cols, cols), d);
                if (acc is null) continue;
                var total = new Span<float>(acc, cols);
                if (r == r0) d.CopyTo(total);
                else ElementwiseDriver.Map(default(AddOperator), total, d, total);
            }
        }
    }
}
