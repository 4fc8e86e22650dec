using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The recurrent layers' [inputs | states]ᵀ·dz with op(A) packed once from its two sources: against the
/// double-precision twin, and bit for bit against Gemm.Multiply on the side-by-side copy it replaces, over
/// features on and off the micro-kernel's row panel, several k blocks and 1, 2 and 3 threads.
/// </summary>
public static class RecurrentWeightGradientChecks
{
    private static readonly (int Features, int Units, int Rows)[] Shapes =
    [
        (0, 1, 3), (1, 0, 3), (1, 1, 1), (3, 5, 0), (2, 3, 17), (7, 4, 40), (8, 8, 256), (16, 24, 257), (13, 33, 300),
        (32, 64, 600), (6, 12, 97), (128, 256, 64), (24, 40, 513), (5, 1, 1024),
    ];

    public static void MatchesTwinAndSideBySideGemmBitForBit()
    {
        int seed = 4100;
        foreach (var (features, units, rows) in Shapes)
        {
            int m = features + units, width = 4 * units + (seed % 3 == 0 ? 1 : 0);
            seed += 7;
            var inputs = Check.Random(rows * features, seed);
            var states = Check.Random(rows * units, seed + 1);
            var dz = Check.Random(rows * width, seed + 2);
            var both = new float[rows * m];
            for (int r = 0; r < rows; r++)
            {
                inputs.AsSpan(r * features, features).CopyTo(both.AsSpan(r * m, features));
                states.AsSpan(r * units, units).CopyTo(both.AsSpan(r * m + features, units));
            }
            var expected = new float[m * width];
            NaiveGemm.Multiply(true, false, m, width, rows, both, Math.Max(m, 1), dz, Math.Max(width, 1), expected, Math.Max(width, 1), accumulate: false);
            string what = $"recurrent weight gradient features={features} units={units} width={width} rows={rows}";
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var (gemm, packedOnce) = ThreadCounts.With(threads, () =>
                {
                    var viaGemm = Check.Random(m * width, seed + 3);
                    var viaPackedOnce = Check.Random(m * width, seed + 3);
                    Gemm.Multiply(true, false, m, width, rows, both, Math.Max(m, 1), dz, Math.Max(width, 1), viaGemm, Math.Max(width, 1), accumulate: false);
                    RecurrentWeightGradient.Multiply(inputs, features, states, units, dz, width, rows, viaPackedOnce);
                    return (viaGemm, viaPackedOnce);
                });
                Check.Close(expected, packedOnce, 1e-5f, 2e-6f * (rows + 1), $"{what} threads={threads} vs naive");
                Check.Equal<float>(gemm, packedOnce, $"{what} threads={threads} vs Gemm.Multiply on the side-by-side copy");
            }
        }
    }

    /// <summary>Operands too short for the sizes are refused with the operand's name.</summary>
    public static void RejectsShortOperands()
    {
        var ok = new float[64];
        Expect(() => RecurrentWeightGradient.Multiply(new float[5], 2, ok, 2, ok, 8, 3, ok), "inputs");
        Expect(() => RecurrentWeightGradient.Multiply(ok, 2, new float[5], 2, ok, 8, 3, ok), "states");
        Expect(() => RecurrentWeightGradient.Multiply(ok, 2, ok, 2, new float[23], 8, 3, ok), "dz");
        Expect(() => RecurrentWeightGradient.Multiply(ok, 2, ok, 2, ok, 8, 3, new float[31]), "c");
    }

    private static void Expect(Action run, string name)
    {
        try { run(); }
        catch (ArgumentException e) when (e.ParamName == name) { return; }
        throw new CheckFailedException($"recurrent weight gradient: a short {name} was not refused naming it");
    }
}
