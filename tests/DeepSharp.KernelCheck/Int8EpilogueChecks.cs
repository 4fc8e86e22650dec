using DeepSharp.Kernels.Cpu.Int8;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The requantizing epilogue to bytes (<see cref="Int8Epilogue.ToBytes"/>, its ReLU form included)
/// against its definition lane by lane (<see cref="Int8Epilogue.One"/> then <see cref="Int8Quantize.One"/>):
/// sums whose quotient lands exactly on half-integers (power-of-two scales: every lane takes the
/// division fallback) and next to them, sums far beyond the byte range (clamped to 0 and 255), zero
/// points 0, 1, 128 and 255, input zero points, bias or none, ReLU or none, channel counts off the
/// 16-lane vector (1 … 49) and strided rows.
/// </summary>
public static class Int8EpilogueChecks
{
    public static unsafe void ByteEpilogueMatchesDefinition()
    {
        var rng = new Random(5150);
        int cases = 0;
        foreach (int n in new[] { 1, 15, 16, 17, 32, 49 })
            foreach (int outZero in new[] { 0, 1, 128, 255 })
                foreach (bool relu in new[] { true, false })
                    for (int trial = 0; trial < 6; trial++)
                    {
                        int rows = 1 + rng.Next(13), stride = n + (trial % 2) * 5, zeroPoint = trial % 3 == 0 ? 0 : rng.Next(256);
                        // Trials 0 and 1: power-of-two scales, so (acc·scale)/outScale is a multiple of 1/2: ties everywhere.
                        bool ties = trial < 2;
                        float outScale = ties ? 0.25f : (float)Math.Exp(rng.NextDouble() * 8 - 6);
                        var scales = new float[n];
                        var bias = trial % 3 == 2 ? null : new float[n];
                        var columnSums = new int[n];
                        for (int j = 0; j < n; j++)
                        {
                            scales[j] = ties ? 0.125f : outScale * (float)(0.001 + rng.NextDouble() * 0.3);
                            if (bias != null) bias[j] = ties ? 0.25f * rng.Next(-8, 9) : (float)(rng.NextDouble() - 0.5) * outScale * 40;
                            columnSums[j] = rng.Next(-3000, 3000);
                        }
                        var acc = new int[rows * stride];
                        for (int i = 0; i < acc.Length; i++)
                            acc[i] = rng.Next(6) switch
                            {
                                0 => rng.Next(int.MinValue / 4, int.MaxValue / 4),
                                1 => zeroPoint * columnSums[i % stride % n] + rng.Next(-3, 4),
                                _ => zeroPoint * columnSums[i % stride % n] + rng.Next(-4000, 4000),
                            };
                        var y = new byte[rows * stride];
                        fixed (int* pa = acc)
                        fixed (int* ps = columnSums)
                        fixed (float* pscale = scales)
                        fixed (float* pb = bias)
                        fixed (byte* py = y)
                            Int8Epilogue.ToBytesStrided(pa, rows, n, stride, zeroPoint, ps, pscale, pb, relu, outScale, outZero, py);
                        for (int r = 0; r < rows; r++)
                            for (int j = 0; j < n; j++)
                            {
                                cases++;
                                int i = r * stride + j;
                                float v = Int8Epilogue.One(acc[i], zeroPoint, columnSums[j], scales[j], bias == null ? 0f : bias[j], bias != null, relu);
                                byte expected = Int8Quantize.One(v, outScale, outZero);
                                if (y[i] != expected)
                                    throw new CheckFailedException($"Int8 byte epilogue n={n} relu={relu} zero {outZero}: acc {acc[i]} (channel {j}, scale {scales[j]:R}, out scale {outScale:R}) gave {y[i]}, expected {expected}");
                            }
                    }
        if (cases < 10_000) throw new CheckFailedException($"Int8 byte epilogue: only {cases} lanes checked");
    }

    public static unsafe void ByteEpilogueRoundsAsTheDivisionAtTies()
    {
        // Each channel's bias puts its value within a few ulps of a half-integer multiple of the
        // output scale, where fl(v · fl(1/s)) and fl(v / s) can round apart: the bytes must follow the
        // division (the definition), and some lanes must be such cases, so the fallback is exercised.
        var rng = new Random(5151);
        const int n = 16;
        var acc = new int[n];
        var columnSums = new int[n];
        var scales = new float[n];
        var bias = new float[n];
        var y = new byte[n];
        int apart = 0;
        for (int call = 0; call < 4000; call++)
        {
            float outScale = (float)Math.Exp(rng.NextDouble() * 8 - 6);
            int outZero = rng.Next(4) == 0 ? 0 : rng.Next(200);
            bool relu = call % 4 != 3;
            var values = new float[n];
            for (int j = 0; j < n; j++)
            {
                acc[j] = rng.Next(-20000, 20000);
                scales[j] = outScale * (float)(0.0001 + rng.NextDouble() * 0.01);
                float product = acc[j] * scales[j];
                float target = (float)((rng.Next(0, 60) + 0.5) * outScale);
                float b = target - product;
                int steps = rng.Next(-3, 4);
                for (int i = 0; i < Math.Abs(steps); i++) b = steps > 0 ? MathF.BitIncrement(b) : MathF.BitDecrement(b);
                bias[j] = b;
                values[j] = Int8Epilogue.One(acc[j], 0, 0, scales[j], b, true, relu);
                float reciprocal = 1f / outScale;
                if (MathF.Round(values[j] / outScale) != MathF.Round(values[j] * reciprocal)) apart++;
            }
            fixed (int* pa = acc)
            fixed (int* ps = columnSums)
            fixed (float* pscale = scales)
            fixed (float* pb = bias)
            fixed (byte* py = y)
                Int8Epilogue.ToBytes(pa, 1, n, 0, ps, pscale, pb, relu, outScale, outZero, py);
            for (int j = 0; j < n; j++)
            {
                byte expected = Int8Quantize.One(values[j], outScale, outZero);
                if (y[j] != expected)
                    throw new CheckFailedException($"Int8 byte epilogue at a tie: value {values[j]:R}, out scale {outScale:R}, zero {outZero}, relu {relu}: gave {y[j]}, expected {expected}");
            }
        }
        if (apart == 0) throw new CheckFailedException("Int8 byte epilogue at ties: no lane where the reciprocal rounds apart from the division; the fallback went untested.");
    }
}
