namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized Dense: y (m, n) = epilogue(quantize(x) · W) with x (m, k) float, W packed int8;
/// the input is quantized, multiplied and requantized one block of rows at a time, in parallel.
/// Naive twin: <c>Reference.NaiveInt8.Linear</c>.
/// </summary>
internal static unsafe class Int8Linear
{
    /// <exception cref="ArgumentException">Spans are shorter than m·k and m·n, or the output's arrays do not match n.</exception>
    public static void Forward(int m, ReadOnlySpan<float> x, Int8Weights w, Int8Output output, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        output.Check(w.N);
        if (m < 0 || (long)m * w.K > x.Length || (long)m * w.N > y.Length)
            throw new ArgumentException($"Int8 Dense m={m}, k={w.K}, n={w.N}: x has {x.Length} values, y {y.Length}.");
        if (m == 0 || w.N == 0) return;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var body = new Rows(px, w, output, py, m);
            WorkerPool.Shared.For((m + Int8Gemm.RowBlock - 1) / Int8Gemm.RowBlock, body, (long)m * w.K * w.N / 4);
        }
    }

    private sealed class Rows(float* x, Int8Weights w, Int8Output output, float* y, int m) : IParallelBody
    {
        public void Execute(int index)
        {
            int r0 = index * Int8Gemm.RowBlock, rows = Math.Min(Int8Gemm.RowBlock, m - r0);
            int k = w.K, n = w.N;
            byte* q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, (long)rows * k + Int8Gemm.Slack);
            Int8Quantize.ToUInt8(x + (long)r0 * k, rows * k, output.InputScale, output.InputZeroPoint, q);
            int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)rows * n);
            Int8Gemm.MultiplyRows(q, k, rows, w, acc, n, readable: true);
            Finish(acc, rows, w, output, y + (long)r0 * n);
        }
    }

    /// <summary>The epilogue over <paramref name="rows"/> rows of int32 sums (stride n).</summary>
    internal static void Finish(int* acc, int rows, Int8Weights w, Int8Output output, float* y)
    {
        int n = w.N;
        fixed (int* sums = w.ColumnSums)
        fixed (float* scales = output.Scales)
        fixed (float* bias = output.Bias)
            for (int r = 0; r < rows; r++)
                Int8Epilogue.ToFloat(acc + (long)r * n, n, output.InputZeroPoint, sums, scales, bias, output.Relu, y + (long)r * n);
    }
}
