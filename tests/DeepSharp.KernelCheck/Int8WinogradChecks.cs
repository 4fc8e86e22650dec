using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The integer Winograd F(2×2, 3×3) int8 convolution (<see cref="Int8Winograd"/>) against the naive
/// direct twin, bit for bit: odd output sizes, input channels not a multiple of 2, 16 or 32, output
/// channels not a multiple of 16, Same padding with zero points 0 and 255, blocks of tile rows,
/// the 2×2 pool of its tiles cut into parts, and the extremes of its int16/int32 bounds (inputs 0
/// and 255, weights ±127 and −128, the most input channels it takes). Where AVX-512BW is absent
/// (the child processes of SimdPathTests) the same convolutions take the direct kernels.
/// </summary>
public static class Int8WinogradChecks
{
    private static readonly (int B, int H, int W, int C, int F, bool Same)[] Shapes =
    [
        (1, 13, 13, 32, 64, false), (2, 13, 13, 32, 64, true), (1, 12, 12, 32, 64, false), (1, 9, 7, 33, 65, false),
        (2, 6, 5, 47, 80, true), (1, 3, 3, 32, 64, false), (1, 4, 4, 35, 79, false), (1, 5, 11, 40, 96, true),
        (1, 14, 3, 64, 64, false), (1, 1, 1, 32, 64, true), (1, 24, 24, 32, 130, true), (1, 20, 20, 32, 64, true),
        (2, 8, 9, 63, 64, false), (0, 5, 5, 32, 64, false),
    ];

    public static unsafe void WinogradConvMatchesTwin()
    {
        int seed = 7000;
        foreach (var c in Shapes)
            foreach (var (outScale, outZero) in new[] { (0.004f, 3), (0.05f, 250) })
            {
                seed++;
                var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                int k = 9 * c.C;
                var q = RandomBytes(g.InputLength, seed);
                var w = RandomWeights(k * c.F, seed + 1);
                var output = Output(c.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 77);
                var expected = new float[g.OutputLength];
                NaiveInt8.Conv2D(g, q, w, output, expected);
                var expectedBytes = NaiveInt8.Quantize(expected, outScale, outZero);
                foreach (var path in Int8Paths.Supported())
                {
                    var packed = Int8Weights.Pack(w, k, c.F, path);
                    ExpectWinograd(g, packed, $"{c}");
                    var actual = new float[g.OutputLength];
                    var bytes = new byte[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (float* py = actual)
                    fixed (byte* pb = bytes)
                    {
                        Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToFloats(py));
                        Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToBytes(pb, outScale, outZero));
                    }
                    Check.Equal<float>(expected, actual, $"Int8 Winograd conv {path} {c}");
                    Check.Equal<byte>(expectedBytes, bytes, $"Int8 Winograd conv to u8 {path} {c} out ({outScale}, {outZero})");
                }
            }
    }

    public static unsafe void WinogradConvPoolMatchesTwin()
    {
        // The 2×2 pool of the tiles (odd sizes drop the last row/column), cut into parts by pool
        // rows; other pools take the convolution's bytes and pool them.
        (int B, int H, int W, int C, int F, bool Same, int P, int S)[] cases =
        [
            (2, 13, 13, 32, 64, false, 2, 2), (1, 12, 10, 33, 65, false, 2, 2), (2, 7, 9, 40, 64, true, 2, 2), (1, 4, 4, 32, 64, false, 2, 2),
            (1, 11, 11, 32, 64, true, 3, 2), (2, 9, 9, 48, 70, false, 2, 1), (1, 3, 3, 32, 64, false, 2, 2), (1, 22, 22, 32, 64, false, 2, 2),
        ];
        int seed = 7500;
        foreach (var c in cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, c.P, c.P, c.S, c.S, false);
            int k = 9 * c.C;
            var q = RandomBytes(g.InputLength, seed);
            var w = RandomWeights(k * c.F, seed + 1);
            var output = Output(c.F, seed, 0.02f, seed % 256);
            var floats = new float[g.OutputLength];
            NaiveInt8.Conv2D(g, q, w, output, floats);
            var expected = new byte[pool.OutputLength];
            NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, 0.004f, 7), expected);
            foreach (var path in Int8Paths.Supported())
                foreach (int parts in new[] { 1, 2, 3 })
                {
                    var packed = Int8Weights.Pack(w, k, c.F, path);
                    ExpectWinograd(g, packed, $"{c}");
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        Int8ConvPool.Forward(g, pool, pq, packed, output, 0.004f, 7, py, parts);
                    Check.Equal<byte>(expected, actual, $"Int8 Winograd conv + pool {path} {c}, {parts} parts per image");
                }
        }
    }

    public static unsafe void WinogradIsExactAtTheExtremes()
    {
        // Every input 0 or 255 (zero points 0 and 255, so Same padding reads the other extreme),
        // every weight 127, −128 or alternating in sign, up to MaxInC channels: the largest |V|,
        // |U| and sums the bound allows. The interior sums are known in closed form too.
        foreach (int channels in new[] { 32, 33, 255, Int8Winograd.MaxInC })
            foreach (byte input in new byte[] { 255, 0 })
                foreach (sbyte weight in new sbyte[] { 127, -128, 0 })
                {
                    const int f = 65;
                    var g = Conv2DGeometry.Create(1, 5, 4, channels, f, 3, 3, 1, 1, true);
                    int k = 9 * channels;
                    var q = new byte[g.InputLength];
                    Array.Fill(q, input);
                    var w = new sbyte[k * f];
                    for (int i = 0; i < w.Length; i++) w[i] = weight != 0 ? weight : (sbyte)(i / f % 2 == 0 ? 127 : -128);
                    int zeroPoint = 255 - input;
                    var output = new Int8Output(1f, zeroPoint, Enumerable.Repeat(1f, f).ToArray(), null, false);
                    var expected = new float[g.OutputLength];
                    NaiveInt8.Conv2D(g, q, w, output, expected);
                    if (weight != 0)
                    {
                        // Output pixel (1, 1) sees no padding: Σ (input − zero point) · weight over 9 · Cin taps.
                        float interior = (float)((long)(input - zeroPoint) * weight * 9 * channels);
                        if (expected[(1 * g.OutW + 1) * f] != interior)
                            throw new CheckFailedException($"Int8 Winograd extremes: the twin gives {expected[(1 * g.OutW + 1) * f]}, expected {interior}");
                    }
                    foreach (var path in Int8Paths.Supported())
                    {
                        var packed = Int8Weights.Pack(w, k, f, path);
                        ExpectWinograd(g, packed, $"extremes Cin={channels}");
                        var actual = new float[g.OutputLength];
                        fixed (byte* pq = q)
                        fixed (float* py = actual)
                            Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToFloats(py));
                        Check.Equal<float>(expected, actual, $"Int8 Winograd extremes {path} Cin={channels} input {input} weight {weight}");
                    }
                }
    }

    public static void WinogradWeightsAreTheIntegerTransform()
    {
        // U = G′ g G′ᵀ for one channel pair and one output channel, by hand: a kernel with a single
        // tap (kh, kw) = 1 gives U[r][s] = G′[r][kh] · G′[s][kw].
        int[,] g2 = { { 2, 0, 0 }, { 1, 1, 1 }, { 1, -1, 1 }, { 0, 0, 2 } };
        for (int tap = 0; tap < 9; tap++)
        {
            var w = new sbyte[9 * 3 * 2];
            w[(tap * 3 + 1) * 2 + 1] = 1; // input channel 1, output channel 1
            var u = Int8WinogradWeights.Transform(Int8Weights.Pack(w, 27, 2, Int8Path.Scalar), 3);
            if (u.Pairs != 2 || u.Tiles != 1) throw new CheckFailedException($"Int8 Winograd weights: {u.Pairs} pairs, {u.Tiles} tiles");
            for (int r = 0; r < 4; r++)
                for (int s = 0; s < 4; s++)
                    for (int pair = 0; pair < 2; pair++)
                        for (int lane = 0; lane < 16; lane++)
                            for (int half = 0; half < 2; half++)
                            {
                                int expected = pair == 0 && lane == 1 && half == 1 ? g2[r, tap / 3] * g2[s, tap % 3] : 0;
                                short actual = u.U[(((r * 4 + s) * 2 + pair) * 16 + lane) * 2 + half];
                                if (actual != expected)
                                    throw new CheckFailedException($"Int8 Winograd weights tap {tap}: U[{r}][{s}] pair {pair} lane {lane}.{half} = {actual}, expected {expected}");
                            }
        }
        try
        {
            Int8WinogradWeights.Transform(Int8Weights.Pack(new sbyte[20], 10, 2, Int8Path.Scalar), 1);
        }
        catch (ArgumentException e) when (e.Message.Contains("not a 3×3 kernel", StringComparison.Ordinal))
        {
            return;
        }
        throw new CheckFailedException("Int8 Winograd weights: K=10 was not refused as a 3×3 kernel");
    }

    public static void WinogradAppliesOnlyWhereItIsExact()
    {
        var w = Int8Weights.Pack(new sbyte[9 * 32 * 64], 9 * 32, 64, Int8Paths.Best);
        var plain = Conv2DGeometry.Create(1, 8, 8, 32, 64, 3, 3, 1, 1, false);
        bool wide = Avx512BW.IsSupported && Int8Paths.Best is Int8Path.Vnni256 or Int8Path.MultiplyAdd512;
        if (Int8Winograd.Applies(plain, w) != wide)
            throw new CheckFailedException($"Int8 Winograd: Applies should be {wide} for a 3×3 stride-1 convolution 32 → 64 channels on {Int8Paths.Best}");
        foreach (var (g, why) in new[]
        {
            (Conv2DGeometry.Create(1, 8, 8, 32, 64, 3, 3, 2, 2, false), "stride 2"),
            (Conv2DGeometry.Create(1, 8, 8, 32, 64, 3, 3, 1, 1, false, 2, 2), "dilation 2"),
            (plain with { InC = Int8Winograd.MinInC - 1 }, "too few input channels"),
            (plain with { OutC = Int8Winograd.MinOutC - 1 }, "too few output channels"),
            (plain with { InC = Int8Winograd.MaxInC + 1 }, "sums beyond int32"),
        })
            if (Int8Winograd.Applies(g, w)) throw new CheckFailedException($"Int8 Winograd applies despite {why}");
        var five = Int8Weights.Pack(new sbyte[25 * 32 * 64], 25 * 32, 64, Int8Paths.Best);
        if (Int8Winograd.Applies(Conv2DGeometry.Create(1, 8, 8, 32, 64, 5, 5, 1, 1, false), five))
            throw new CheckFailedException("Int8 Winograd applies to a 5×5 kernel");
        if (Int8Winograd.Applies(plain, Int8Weights.Pack(new sbyte[9 * 32 * 64], 9 * 32, 64, Int8Path.Scalar)))
            throw new CheckFailedException("Int8 Winograd applies to the scalar path's weights");
    }

    /// <summary>Fails when a convolution meant for the Winograd kernel would take the direct one on a CPU and path that run it.</summary>
    private static void ExpectWinograd(in Conv2DGeometry g, Int8Weights w, string context)
    {
        bool should = Avx512BW.IsSupported && w.Path is Int8Path.Vnni256 or Int8Path.MultiplyAdd512
            && g.InC >= Int8Winograd.MinInC && g.OutC >= Int8Winograd.MinOutC;
        if (Int8Winograd.Applies(g, w) != should)
            throw new CheckFailedException($"Int8 Winograd {w.Path} {context}: Applies is {!should}, expected {should}");
    }

    // Output, RandomBytes and RandomWeights: Int8Checks' (the same random grids, bytes and weights).
    private static Int8Output Output(int n, int seed, float inputScale, int zeroPoint) => Int8Checks.Output(n, seed, inputScale, zeroPoint);
    private static byte[] RandomBytes(int length, int seed) => Int8Checks.RandomBytes(length, seed);
    private static sbyte[] RandomWeights(int length, int seed) => Int8Checks.RandomWeights(length, seed);
}
