namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized Dense: y (m, n) = epilogue(quantize(x) · W) with x (m, k) float — or already u8 on
/// the input's grid — and W packed int8; the input is quantized, multiplied and requantized one
/// block of rows at a time, in parallel, to float or to the next layer's u8 grid
/// (<see cref="Int8Destination"/>). Naive twin: <c>Reference.NaiveInt8.Linear</c>.
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
        fixed (float* px = x)
        fixed (float* py = y)
            Run(m, px, null, w, output, Int8Destination.ToFloats(py));
    }

    /// <summary>
    /// The form whose input is u8 already (quantized with the output's input scale and zero
    /// point): <paramref name="q"/> holds m·k bytes and <see cref="Int8Gemm.Slack"/> readable bytes after them.
    /// </summary>
    /// <exception cref="ArgumentException">m is negative or the output's arrays do not match n.</exception>
    public static void Forward(int m, byte* q, Int8Weights w, Int8Output output, Int8Destination y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        output.Check(w.N);
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "Int8 Dense needs m ≥ 0 rows.");
        Run(m, null, q, w, output, y);
    }

    private static void Run(int m, float* x, byte* q, Int8Weights w, Int8Output output, Int8Destination y)
    {
        if (m == 0 || w.N == 0) return;
        var body = new Rows(x, q, w, output, y, m);
        WorkerPool.Shared.For((m + Int8Gemm.RowBlock - 1) / Int8Gemm.RowBlock, body, (long)m * w.K * w.N / 4);
    }

    private sealed class Rows(float* x, byte* quantized, Int8Weights w, Int8Output output, Int8Destination y, int m) : IParallelBody
    {
        public void Execute(int index)
        {
            int r0 = index * Int8Gemm.RowBlock, rows = Math.Min(Int8Gemm.RowBlock, m - r0);
            int k = w.K, n = w.N;
            byte* q;
            if (quantized != null) q = quantized + (long)r0 * k;
            else
            {
                q = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, (long)rows * k + Int8Gemm.Slack);
                Int8Quantize.ToUInt8(x + (long)r0 * k, rows * k, output.InputScale, output.InputZeroPoint, q);
            }
            int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, (long)rows * n);
            Int8Gemm.MultiplyRows(q, k, rows, w, acc, n, readable: true);
            y.Finish(acc, rows, w, output, r0);
        }
    }
}
