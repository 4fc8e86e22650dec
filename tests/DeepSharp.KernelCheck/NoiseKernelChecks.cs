using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The noise layers' counter-based kernels against their one-element-at-a-time twins, bit for bit: normal
/// noise (GaussianNoise/GaussianDropout), AlphaDropout's decisions and map, spatial dropout's broadcast
/// product; lengths around the 32-element group, the vector widths and the tasks; and the same bits at any
/// thread count.
/// </summary>
public static class NoiseKernelChecks
{
    private static readonly int[] Lengths = [.. Check.AwkwardSizes, 1009, 8191, 8192, 8193, 16385, 3 * 8192 + 17, 40_009];

    public static void NormalNoiseMatchesTwin()
    {
        int seed = 0;
        foreach (var combine in new[] { NoiseCombine.Add, NoiseCombine.Multiply })
            foreach (int n in Lengths)
            {
                uint k0 = 0x9E3779B9u * (uint)++seed, k1 = (uint)(seed * 7919) ^ 0xA5A5A5A5u;
                float mean = combine == NoiseCombine.Add ? 0f : 1f, std = 0.1f * (seed % 7 + 1);
                var x = Check.Random(n, seed);
                float[] noise = new float[n], y = new float[n], twinNoise = new float[n], twinY = new float[n];
                NaiveNormalNoise.Apply(x, twinNoise, twinY, k0, k1, mean, std, combine);
                NormalNoiseKernel.Apply(x, noise, y, k0, k1, mean, std, combine);
                Check.Equal<float>(twinNoise, noise, $"normal noise n={n} {combine}");
                Check.Equal<float>(twinY, y, $"normal noise output n={n} {combine}");
                float[] yOnly = new float[n];
                NormalNoiseKernel.Apply(x, [], yOnly, k0, k1, mean, std, combine);
                Check.Equal<float>(twinY, yOnly, $"normal noise output without the noise buffer n={n} {combine}");
            }
    }

    /// <summary>The transform's pieces at their edges: u1 = 1 (r = 0), u1 = 2⁻²⁴ (the largest radius), every quadrant boundary.</summary>
    public static void NormalTransformEdges()
    {
        Expect(NaiveNormalNoise.Log(1f) == 0f, "ln 1 = 0");
        Expect(MathF.Abs(NaiveNormalNoise.Log(1f / 16777216f) - (float)Math.Log(1.0 / 16777216.0)) < 2e-6f, "ln 2^-24");
        for (int k = 1; k < 1 << 12; k++)
        {
            float u = k / 4096f;
            double l = Math.Log(u);
            Expect(Math.Abs(NaiveNormalNoise.Log(u) - l) <= 2.5e-7 * Math.Max(1, Math.Abs(l)), $"ln {u}");
            float t = (k - 1) / 4096f;
            var (sin, cos) = NaiveNormalNoise.SinCosTurns(t);
            Expect(Math.Abs(sin - Math.Sin(2 * Math.PI * t)) < 3e-7 && Math.Abs(cos - Math.Cos(2 * Math.PI * t)) < 3e-7, $"sincos of {t} turns");
        }
    }

    private static void Expect(bool ok, string what)
    {
        if (!ok) throw new CheckFailedException($"normal noise transform: {what} is off");
    }

    public static void AlphaDropoutMatchesTwin()
    {
        int seed = 100;
        foreach (float rate in new[] { 0f, 0.1f, 0.5f, 0.95f })
            foreach (int n in Lengths)
            {
                uint k0 = 0x85EBCA6Bu * (uint)++seed, k1 = (uint)seed ^ 0x1234567u;
                float a = 1.1f + rate, b = 0.3f * rate, dropped = -1.7f * a + b;
                uint threshold = DropoutMaskKernel.Threshold(rate);
                var x = Check.Random(n, seed);
                float[] mask = new float[n], y = new float[n], twinMask = new float[n], twinY = new float[n];
                NaiveAlphaDropout.Apply(x, twinMask, twinY, k0, k1, threshold, a, b, dropped);
                AlphaDropoutKernel.Apply(x, mask, y, k0, k1, threshold, a, b, dropped);
                Check.Equal<float>(twinMask, mask, $"alpha dropout mask n={n} rate={rate}");
                Check.Equal<float>(twinY, y, $"alpha dropout output n={n} rate={rate}");
            }
    }

    public static void SpatialMaskMatchesTwin()
    {
        int seed = 200;
        foreach (int batch in new[] { 0, 1, 3 })
            foreach (int positions in new[] { 0, 1, 7, 784 })
                foreach (int channels in new[] { 1, 3, 16, 17, 33, 20000 })
                    foreach (bool accumulate in new[] { false, true })
                    {
                        if ((long)batch * positions * channels > 2_000_000) continue;
                        int n = batch * positions * channels;
                        var x = Check.Random(n, ++seed);
                        var mask = Check.Random(batch * channels, seed + 1);
                        var y = Check.Random(n, seed + 2);
                        var twin = (float[])y.Clone();
                        NaiveSpatialMask.Apply(x, mask, twin, batch, positions, channels, accumulate);
                        SpatialMaskKernel.Apply(x, mask, y, batch, positions, channels, accumulate);
                        Check.Equal<float>(twin, y, $"spatial mask ({batch}, {positions}, {channels}) accumulate={accumulate}");
                    }
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        const int N = 5 * 8192 + 77;
        var x = Check.Random(N, 3);
        float[] Run(int threads) => ThreadCounts.With<float[]>(threads, () =>
        {
            float[] noise = new float[N], y = new float[N], mask = new float[N], ya = new float[N], ys = new float[N];
            NormalNoiseKernel.Apply(x, noise, y, 12345u, 67890u, 1f, 0.5f, NoiseCombine.Multiply);
            AlphaDropoutKernel.Apply(x, mask, ya, 4242u, 77u, DropoutMaskKernel.Threshold(0.3f), 1.5f, 0.2f, -2f);
            int positions = N / (7 * 13);
            SpatialMaskKernel.Apply(x.AsSpan(0, 7 * positions * 13), x.AsSpan(0, 7 * 13), ys.AsSpan(0, 7 * positions * 13), 7, positions, 13, accumulate: false);
            return [.. noise, .. y, .. mask, .. ya, .. ys];
        });
        var one = Run(1);
        foreach (int threads in new[] { 2, 3 }) Check.Equal<float>(one, Run(threads), $"noise kernels at {threads} threads");
    }
}
