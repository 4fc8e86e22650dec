using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The fused bias add + residual add (<see cref="BiasResidualKernel"/>): against the twin over awkward
/// shapes, bitwise against the unfused passes (Reductions.AddBias, then the elementwise add) on 1, 2
/// and 3 threads, with and without a bias, and short buffers refused.
/// </summary>
public static class BiasResidualChecks
{
    private static readonly (int Rows, int Cols)[] Shapes =
        [(0, 5), (5, 0), (1, 1), (1, 17), (2, 3), (7, 16), (13, 31), (33, 65), (64, 128), (97, 7), (255, 33), (257, 13), (600, 131), (2048, 128)];

    public static void ForwardMatchesTwinAndUnfusedBits()
    {
        int seed = 300;
        foreach (var (rows, cols) in Shapes)
            foreach (bool withBias in new[] { true, false })
            {
                int n = rows * cols;
                var product = Check.Random(n, ++seed);
                var residual = Check.Random(n, ++seed);
                var bias = withBias ? Check.Random(cols, ++seed) : [];
                var expected = (float[])product.Clone();
                NaiveBiasResidual.Forward(expected, bias, residual, rows, cols);
                var unfused = (float[])product.Clone();
                if (withBias) Reductions.AddBias(unfused, bias, rows, cols);
                TensorPrimitives.Add(residual, unfused, unfused);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var y = (float[])product.Clone();
                    ThreadCounts.With(threads, () => { BiasResidualKernel.Forward(y, bias, residual, rows, cols); return 0; });
                    string at = $"BiasResidual {rows}×{cols}, bias {withBias}, {threads} threads";
                    Check.Equal<float>(unfused, y, at + ": against AddBias + Add");
                    Check.Equal<float>(expected, y, at + ": against the twin");
                }
            }
    }

    public static void ShortBuffersAreRefused()
    {
        Refused(() => BiasResidualKernel.Forward(new float[5], new float[3], new float[6], 2, 3), "y of 5");
        Refused(() => BiasResidualKernel.Forward(new float[6], new float[3], new float[5], 2, 3), "residual of 5");
        Refused(() => BiasResidualKernel.Forward(new float[6], new float[2], new float[6], 2, 3), "bias of 2");
        Refused(() => BiasResidualKernel.Forward(new float[6], new float[3], new float[6], -1, 3), "non-negative");
    }

    private static void Refused(Action call, string fragment)
    {
        try { call(); }
        catch (ArgumentException e) when (e.Message.Contains(fragment, StringComparison.Ordinal)) { return; }
        throw new CheckFailedException($"BiasResidual: a call with {fragment} was not refused with a message naming it.");
    }
}
