using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The inference Dense kernel for 1–8 rows against its double-precision twin, and bit for bit against
/// the training path's forward (Gemm then AddBias), with and without the worker pool.
/// </summary>
public static class DenseRowsChecks
{
    private static readonly int[] Columns = [1, 2, 7, 8, 10, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 130, 193];
    private static readonly int[] Depths = [0, 1, 5, 255, 256, 257, 600];

    public static void MatchesTwinAndTrainingPathBitForBit()
    {
        int seed = 9100;
        for (int m = 1; m <= DenseRows.MaxRows; m += m < 3 ? 1 : 3)
            foreach (int n in Columns)
                foreach (int k in Depths)
                {
                    seed++;
                    var x = Check.Random(m * k, seed);
                    var w = Check.Random(k * n, seed + 7919);
                    var bias = seed % 3 == 0 ? [] : Check.Random(n, seed + 104729);
                    var expected = new float[m * n];
                    NaiveDenseRows.Forward(m, k, n, x, w, bias, expected);
                    var actual = Check.Random(m * n, seed + 1); // overwritten, not accumulated
                    DenseRows.Forward(m, k, n, x, w, bias, actual);
                    string what = $"DenseRows m={m} n={n} k={k} bias {bias.Length != 0}";
                    Check.Close(expected, actual, 1e-5f, 2e-6f * (k + 1), what);
                    var training = new float[m * n];
                    Gemm.Multiply(false, false, m, n, k, x, k, w, n, training, n, accumulate: false);
                    if (bias.Length != 0) Reductions.AddBias(training, bias, m, n);
                    Check.Equal<float>(training, actual, what + " vs Gemm + AddBias");
                }
    }

    /// <summary>The seed CNN's and convnet's Dense layers (wide enough to share the pool, and 10-class outputs).</summary>
    public static void ModelShapesMatchTrainingPathBitForBit()
    {
        int seed = 9900;
        foreach (var (m, k, n) in new[] { (1, 5408, 128), (3, 5408, 128), (1, 128, 10), (1, 1600, 10), (8, 1600, 10), (1, 2560, 10), (3, 2404, 7), (1, 2048, 15), (2, 9216, 128), (1, 4096, 1000) })
        {
            var x = Check.Random(m * k, seed++);
            var w = Check.Random(k * n, seed++);
            var bias = Check.Random(n, seed++);
            var actual = new float[m * n];
            DenseRows.Forward(m, k, n, x, w, bias, actual);
            var training = new float[m * n];
            Gemm.Multiply(false, false, m, n, k, x, k, w, n, training, n, accumulate: false);
            Reductions.AddBias(training, bias, m, n);
            Check.Equal<float>(training, actual, $"DenseRows m={m} n={n} k={k} vs Gemm + AddBias");
        }
    }

    public static void RefusesTooManyRowsAndShortBuffers()
    {
        Refused(() => DenseRows.Forward(DenseRows.MaxRows + 1, 2, 2, new float[18], new float[4], [], new float[18]), "9 rows");
        Refused(() => DenseRows.Forward(1, 3, 2, new float[3], new float[5], [], new float[2]), "W short");
        Refused(() => DenseRows.Forward(1, 3, 2, new float[3], new float[6], [1f], new float[2]), "bias short");
    }

    /// <summary>One and two pool threads give the same bits (the wide shapes split into column tiles).</summary>
    public static void ThreadCountDoesNotChangeBits()
    {
        var x = Check.Random(2 * 5408, 77);
        var w = Check.Random(5408 * 130, 78);
        var bias = Check.Random(130, 79);
        float[] Run(int threads) => ThreadCounts.With(threads, () =>
        {
            var y = new float[2 * 130];
            DenseRows.Forward(2, 5408, 130, x, w, bias, y);
            return y;
        });
        Check.Equal<float>(Run(1), Run(2), "DenseRows 2×5408·5408×130 on 1 and 2 threads");
    }

    /// <summary>
    /// Call after call (each running its share of blocks the other way round), two wide layers
    /// taking turns, on one and two threads: every call gives the training path's bits.
    /// </summary>
    public static void RepeatedCallsKeepTheirBits()
    {
        var layers = new[] { (Rows: 1, In: 5408, Out: 128), (Rows: 2, In: 1100, Out: 96) }.Select((shape, i) =>
        {
            var x = Check.Random(shape.Rows * shape.In, 500 + i);
            var w = Check.Random(shape.In * shape.Out, 600 + i);
            var bias = Check.Random(shape.Out, 700 + i);
            var expected = new float[shape.Rows * shape.Out];
            Gemm.Multiply(false, false, shape.Rows, shape.Out, shape.In, x, shape.In, w, shape.Out, expected, shape.Out, accumulate: false);
            Reductions.AddBias(expected, bias, shape.Rows, shape.Out);
            return (shape, x, w, bias, expected);
        }).ToArray();
        foreach (int threads in new[] { 1, 2 })
            ThreadCounts.With(threads, () =>
            {
                for (int call = 0; call < 5; call++)
                    foreach (var (shape, x, w, bias, expected) in layers)
                    {
                        var y = new float[shape.Rows * shape.Out];
                        DenseRows.Forward(shape.Rows, shape.In, shape.Out, x, w, bias, y);
                        Check.Equal<float>(expected, y, $"DenseRows {shape}, call {call + 1} on {threads} thread(s)");
                    }
                return 0;
            });
    }

    private static void Refused(Action call, string what)
    {
        try { call(); }
        catch (ArgumentException) { return; }
        throw new InvalidOperationException($"DenseRows accepted bad arguments ({what}).");
    }
}
