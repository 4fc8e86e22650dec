using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The fused bias add + GELU and its backward with the bias gradient (<see cref="BiasGeluKernel"/>):
/// against the twin over awkward shapes, bitwise against the unfused kernels (AddBias, GeluKernel,
/// SumRows) on 1, 2 and 3 threads, and short buffers refused.
/// </summary>
public static class BiasGeluChecks
{
    private static readonly (int Rows, int Cols)[] Shapes =
        [(0, 5), (5, 0), (1, 1), (1, 17), (2, 3), (7, 16), (13, 31), (33, 65), (64, 128), (97, 7), (255, 33), (256, 64), (257, 13), (600, 131), (513, 512)];

    private static float[] Scaled(int n, int seed, float scale)
    {
        var x = Check.Random(n, seed);
        for (int i = 0; i < n; i++) x[i] *= scale;
        return x;
    }

    public static void ForwardMatchesTwinAndUnfusedBits()
    {
        int seed = 0;
        foreach (var (rows, cols) in Shapes)
        {
            int n = rows * cols;
            var product = Scaled(n, ++seed, 6f);
            var bias = Scaled(cols, ++seed, 2f);
            var expectedPre = (float[])product.Clone();
            var expectedY = new float[n];
            NaiveBiasGelu.Forward(expectedPre, bias, expectedY, rows, cols);

            var unfusedPre = (float[])product.Clone();
            var unfusedY = new float[n];
            Reductions.AddBias(unfusedPre, bias, rows, cols);
            GeluKernel.Forward(unfusedPre, unfusedY);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var pre = (float[])product.Clone();
                var y = Check.Random(n, seed + 50);
                ThreadCounts.With(threads, () => { BiasGeluKernel.Forward(pre, bias, y, rows, cols); return 0; });
                string at = $"BiasGelu forward {rows}×{cols}, {threads} threads";
                Check.Equal<float>(unfusedPre, pre, at + ": pre against AddBias");
                Check.Equal<float>(unfusedY, y, at + ": y against GeluKernel");
                Check.Close(expectedPre, pre, 1e-6f, 1e-6f, at + ": pre against the twin");
                Check.Close(expectedY, y, 1e-5f, 1e-6f, at + ": y against the twin");
            }
        }
    }

    public static void BackwardMatchesTwinAndUnfusedBits()
    {
        int seed = 100;
        foreach (var (rows, cols) in Shapes)
            foreach (bool withBias in new[] { true, false })
            {
                int n = rows * cols;
                var pre = Scaled(n, ++seed, 6f);
                var dy = Check.Random(n, ++seed);
                var db0 = Check.Random(cols, ++seed);
                var expectedD = new float[n];
                var expectedDb = (float[])db0.Clone();
                NaiveBiasGelu.Backward(pre, dy, expectedD, withBias ? expectedDb : [], rows, cols);

                var unfusedD = new float[n];
                var unfusedDb = (float[])db0.Clone();
                GeluKernel.Backward(pre, dy, unfusedD, accumulate: false);
                if (withBias) Reductions.SumRows(unfusedD, unfusedDb, rows, cols);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var d = Check.Random(n, seed + 50);
                    var db = (float[])db0.Clone();
                    ThreadCounts.With(threads, () => { BiasGeluKernel.Backward(pre, dy, d, withBias ? db : [], rows, cols); return 0; });
                    string at = $"BiasGelu backward {rows}×{cols}, bias {withBias}, {threads} threads";
                    Check.Equal<float>(unfusedD, d, at + ": d against GeluKernel");
                    Check.Equal<float>(unfusedDb, db, at + ": db against SumRows");
                    Check.Close(expectedD, d, 1e-5f, 1e-6f, at + ": d against the twin");
                    Check.Close(expectedDb, db, 1e-4f, 1e-4f, at + ": db against the twin");
                }
                // In place: d may be dy itself.
                var inPlace = (float[])dy.Clone();
                var dbInPlace = (float[])db0.Clone();
                BiasGeluKernel.Backward(pre, inPlace, inPlace, withBias ? dbInPlace : [], rows, cols);
                Check.Equal<float>(unfusedD, inPlace, $"BiasGelu backward {rows}×{cols} in place");
                Check.Equal<float>(unfusedDb, dbInPlace, $"BiasGelu backward {rows}×{cols} in place: db");
            }
    }

    public static void ShortBuffersAreRefused()
    {
        Refused(() => BiasGeluKernel.Forward(new float[11], new float[4], new float[12], 3, 4), "pre of 11");
        Refused(() => BiasGeluKernel.Forward(new float[12], new float[3], new float[12], 3, 4), "bias of 3");
        Refused(() => BiasGeluKernel.Backward(new float[12], new float[11], new float[12], new float[4], 3, 4), "dy of 11");
        Refused(() => BiasGeluKernel.Backward(new float[12], new float[12], new float[12], new float[3], 3, 4), "db of 3");
    }

    private static void Refused(Action call, string fragment)
    {
        try { call(); }
        catch (ArgumentException e) when (e.Message.Contains(fragment, StringComparison.Ordinal)) { return; }
        throw new CheckFailedException($"BiasGelu: a call with {fragment} elements was not refused with a message naming it.");
    }
}
