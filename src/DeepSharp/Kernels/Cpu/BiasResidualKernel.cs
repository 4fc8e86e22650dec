using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A pre-LN Transformer sublayer ends x + Dense(h): the product y = h·W, then y += bias (one pass over
// the rows × cols output), then x + y into a fresh tensor (a second pass, reading x and y). Here each
// row is finished while it is in L1: y[r, :] = x[r, :] + (y[r, :] + bias), the same two float adds per
// element in the same order as Reductions.AddBias followed by the elementwise Add, so the bits are
// those of the unfused passes (BiasResidualChecks), on any thread count (rows are independent; tasks
// have fixed bounds). One pass fewer everywhere by construction, so not gated on a CPU.

/// <summary>Bias add + residual add after a product, fused per row; see <see cref="NaiveBiasResidual"/>.</summary>
internal static unsafe class BiasResidualKernel
{
    /// <summary>Elements per task (as BiasGeluKernel's).</summary>
    private const int TaskElements = 8192;

    /// <summary>y[r, c] = residual[r, c] + (y[r, c] + bias[c]) for a rows×cols matrix; no bias add when <paramref name="bias"/> is empty.</summary>
    public static void Forward(Span<float> y, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, int rows, int cols)
    {
        if (rows < 0 || cols < 0)
            throw new ArgumentException($"BiasResidual of {rows}×{cols}: sizes must be non-negative.");
        long n = (long)rows * cols;
        if (y.Length < n || residual.Length < n || (!bias.IsEmpty && bias.Length < cols))
            throw new ArgumentException($"BiasResidual of {rows}×{cols} got y of {y.Length}, residual of {residual.Length} and bias of {bias.Length} elements.");
        if (n == 0) return;
        fixed (float* py = y, pb = bias, pr = residual)
            Body.Run(py, bias.IsEmpty ? null : pb, pr, rows, cols);
    }

    /// <summary>Tasks of whole rows, ~<see cref="TaskElements"/> elements each.</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _y, _bias, _residual;
        private int _rows, _cols, _rowsPerTask;

        public static void Run(float* y, float* bias, float* residual, int rows, int cols)
        {
            var body = t_instance ??= new Body();
            int rowsPerTask = Math.Max(1, TaskElements / cols);
            body._y = y;
            body._bias = bias;
            body._residual = residual;
            (body._rows, body._cols, body._rowsPerTask) = (rows, cols, rowsPerTask);
            int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body, (long)rows * cols);
            }
            finally { body._y = body._bias = body._residual = null; }
        }

        public void Execute(int task)
        {
            int cols = _cols, r0 = task * _rowsPerTask, r1 = Math.Min(_rows, r0 + _rowsPerTask);
            KernelBounds.Range(r0, r1 - r0, _rows);
            for (int r = r0; r < r1; r++)
            {
                var y = new Span<float>(_y + (long)r * cols, cols);
                if (_bias is not null) ElementwiseDriver.Map(default(AddOperator), y, new ReadOnlySpan<float>(_bias, cols), y);
                ElementwiseDriver.Map(default(AddOperator), new ReadOnlySpan<float>(_residual + (long)r * cols, cols), y, y);
            }
        }
    }
}
