using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The counter-based dropout mask: Philox4x32-10 against Random123's published known answers, the
/// vectorised kernel against its one-element-at-a-time twin bit for bit (lengths around the 32-element
/// group, the vector widths and the 8,192-element task), and the same bits at any thread count.
/// </summary>
public static class DropoutMaskChecks
{
    /// <summary>Random123's kat_vectors for philox4x32 with 10 rounds (also in TensorFlow's Philox tests).</summary>
    public static void PhiloxMatchesPublishedKnownAnswers()
    {
        Expect(Philox4x32.Block(0, 0, 0, 0, 0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8), "zero counter and key");
        Expect(Philox4x32.Block(~0u, ~0u, ~0u, ~0u, ~0u, ~0u), (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd), "all-ones counter and key");
        Expect(Philox4x32.Block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0),
            (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1), "pi's digits");
    }

    private static void Expect((uint, uint, uint, uint) actual, (uint, uint, uint, uint) expected, string context)
    {
        if (actual != expected) throw new CheckFailedException($"Philox4x32-10 {context}: got {actual}, expected {expected}");
    }

    private static readonly int[] Lengths =
        [.. Check.AwkwardSizes, 1009, 2047, 2048, 2049, 8191, 8192, 8193, 3 * 8192 + 17, 40_009];

    public static void KernelMatchesTwin()
    {
        int seed = 0;
        foreach (float rate in new[] { 0f, 0.1f, 0.5f, 0.9f, 0.999f })
            foreach (int n in Lengths)
            {
                uint k0 = (uint)(0x9E3779B9u * (uint)++seed), k1 = (uint)(seed * 7919) ^ 0xA5A5A5A5u;
                uint threshold = DropoutMaskKernel.Threshold(rate);
                float keep = 1f / (1f - rate);
                var x = Check.Random(n, seed);
                float[] mask = new float[n], y = new float[n], twinMask = new float[n], twinY = new float[n];
                NaiveDropoutMask.Apply(x, twinMask, twinY, k0, k1, threshold, keep);
                DropoutMaskKernel.Apply(x, mask, y, k0, k1, threshold, keep);
                Check.Equal<float>(twinMask, mask, $"dropout mask n={n} rate={rate}");
                Check.Equal<float>(twinY, y, $"dropout output n={n} rate={rate}");
            }
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        const int N = 5 * 8192 + 77;
        var x = Check.Random(N, 3);
        float[] Run(int threads) => ThreadCounts.With(threads, () =>
        {
            float[] mask = new float[N], y = new float[N];
            DropoutMaskKernel.Apply(x, mask, y, 12345u, 67890u, DropoutMaskKernel.Threshold(0.5f), 2f);
            return mask.Concat(y).ToArray();
        });
        var one = Run(1);
        foreach (int threads in new[] { 2, 3 }) Check.Equal<float>(one, Run(threads), $"dropout mask at {threads} threads");
    }
}
