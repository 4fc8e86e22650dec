using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The F(4×4, 3×3) conv + pool cut by output channel tiles (<see cref="Int8Winograd4Channels"/>, the
/// batch-1 share of a team on CPUs without AVX-VNNI) against the direct sums and the naive convolution,
/// quantization and pool: every channel-tile range in 1–4 parts, odd sizes (an odd last pool row as
/// half-used tiles, tiles past the edge), Same padding, output channels not a multiple of 16, input
/// channels 1 to 114, inputs and zero points at 0/255 with weights ±127/−128; and the quantizing form
/// of <see cref="Int8ConvPool"/> (floats in, each part quantizing its image) against the byte form.
/// </summary>
public static class Int8Winograd4ChannelChecks
{
    private static readonly (int H, int W, int C, int F, bool Same)[] Cases =
    [
        (13, 13, 32, 64, false), (13, 13, 1, 16, false), (12, 10, 2, 17, true), (9, 11, 3, 65, false), (7, 7, 31, 64, true),
        (10, 14, 33, 80, false), (6, 6, 47, 64, true), (11, 9, 97, 33, false), (9, 9, 114, 70, true), (3, 3, 32, 64, false),
        (4, 4, 64, 128, false), (22, 22, 32, 64, false), (5, 13, 37, 64, false), (13, 4, 5, 31, false), (17, 17, 61, 48, true),
    ];

    public static unsafe void ChannelPartsMatchDirectSums()
    {
        if (!Avx512BW.IsSupported) return; // the kernel needs AVX-512BW; Applies says false without it (ChannelPartsAreChosenOnlyWhereTheyRun)
        int seed = 9100;
        foreach (var c in Cases)
            foreach (int zero in new[] { 0, 255, 77 })
            {
                seed++;
                var g = Conv2DGeometry.Create(1, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
                var q = Int8Checks.RandomBytes(g.InputLength, seed);
                var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
                var expected = DirectPooledSums(g, pool, q, w, zero);
                var output = Int8Checks.Output(c.F, seed, 0.02f, zero);
                var packed = Int8Weights.Pack(w, 9 * c.C, c.F, Int8Path.MultiplyAdd512);
                for (int parts = 1; parts <= Math.Min(4, packed.Tiles); parts++)
                {
                    var actual = new int[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (int* ps = actual)
                        for (int part = 0; part < parts; part++)
                        {
                            var (t0, t1) = Int8Winograd4Channels.Share(packed.Tiles, part, parts);
                            Int8Winograd4Channels.ImagePooledSums(g, pool, pq, packed, output, ps, t0, t1);
                        }
                    Check.Equal<int>(expected, actual, $"Int8 Winograd F(4×4) by channels, pooled sums {c} zero {zero}, {parts} parts");
                }
            }
    }

    public static unsafe void ChannelPartsMatchTwinBytes()
    {
        if (!Avx512BW.IsSupported) return;
        int seed = 9300;
        foreach (var c in Cases)
            foreach (int mode in new[] { 0, 1, 2 })
            {
                seed++;
                var g = Conv2DGeometry.Create(1, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
                var q = mode == 0 ? Int8Checks.RandomBytes(g.InputLength, seed) : Enumerable.Repeat((byte)(mode == 1 ? 255 : 0), g.InputLength).ToArray();
                var w = mode == 0 ? Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1)
                    : Enumerable.Range(0, 9 * c.C * c.F).Select(i => (sbyte)(mode == 1 ? (i / c.F % 2 == 0 ? 127 : -128) : -128)).ToArray();
                int zero = mode == 0 ? seed % 256 : mode == 1 ? 0 : 255;
                var output = Int8Checks.Output(c.F, seed, 0.02f, zero);
                var floats = new float[g.OutputLength];
                NaiveInt8.Conv2D(g, q, w, output, floats);
                var expected = new byte[pool.OutputLength];
                NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, 0.004f, 7), expected);
                var packed = Int8Weights.Pack(w, 9 * c.C, c.F, Int8Path.MultiplyAdd512);
                for (int parts = 1; parts <= Math.Min(4, packed.Tiles); parts++)
                {
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        for (int part = 0; part < parts; part++)
                        {
                            var (t0, t1) = Int8Winograd4Channels.Share(packed.Tiles, part, parts);
                            Int8Winograd4Channels.ImagePooled(g, pool, pq, packed, output, 0.004f, 7, py, t0, t1);
                        }
                    Check.Equal<byte>(expected, actual, $"Int8 Winograd F(4×4) by channels, bytes {c} mode {mode}, {parts} parts");
                }
            }
    }

    public static void ChannelPartsAreChosenOnlyWhereTheyRun()
    {
        // Only the vpmaddwd path (no VNNI) with AVX-512BW, at least one channel tile per part and F(4×4)'s own conditions.
        var g = Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, false);
        var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, 64, 2, 2, 2, 2, false);
        var w = Int8Checks.RandomWeights(9 * 32 * 64, 9500);
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, 9 * 32, 64, path);
            foreach (int parts in new[] { 1, 2, 3, 4, 5 })
            {
                bool expected = path == Int8Path.MultiplyAdd512 && Avx512BW.IsSupported && parts is > 1 and <= 4;
                if (Int8Winograd4Channels.Applies(g, pool, packed, parts) != expected)
                    throw new CheckFailedException($"Int8 Winograd F(4×4) by channels {path}, {parts} parts: Applies is {!expected}, expected {expected}");
            }
        }
        for (int tiles = 1; tiles <= 9; tiles++)
            for (int parts = 1; parts <= tiles; parts++)
            {
                int next = 0;
                for (int part = 0; part < parts; part++)
                {
                    var (t0, t1) = Int8Winograd4Channels.Share(tiles, part, parts);
                    if (t0 != next || t1 <= t0) throw new CheckFailedException($"Int8 Winograd F(4×4) by channels: share {part} of {parts} over {tiles} tiles is [{t0}, {t1}), expected to start at {next} and be non-empty");
                    next = t1;
                }
                if (next != tiles) throw new CheckFailedException($"Int8 Winograd F(4×4) by channels: {parts} shares of {tiles} tiles end at {next}");
            }
    }

    public static unsafe void QuantizingConvPoolMatchesBytes()
    {
        // Int8ConvPool on floats (each part quantizing its image) against the byte form on the same
        // floats quantized first, on every path, 1–3 parts per image, batches 1–3, one input channel (the
        // first layer of the seed and convnet) and 32.
        (int B, int H, int W, int C, int F)[] cases = [(1, 28, 28, 1, 32), (2, 13, 13, 32, 64), (3, 9, 7, 1, 16), (1, 11, 12, 32, 64)];
        int seed = 9700;
        foreach (var c in cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, 3, 3, 1, 1, false);
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
            var rng = new Random(seed);
            var x = new float[g.InputLength];
            for (int i = 0; i < x.Length; i++) x[i] = rng.Next(4) == 0 ? float.NaN : (float)(rng.NextDouble() * 3 - 0.5);
            const float inScale = 0.01f;
            const int inZero = 40;
            var q = new byte[g.InputLength + Int8Gemm.Slack];
            Int8Quantize.ToUInt8(x, inScale, inZero, q);
            var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
            var output = Int8Checks.Output(c.F, seed, 0.02f, inZero);
            foreach (var path in Int8Paths.Supported())
            {
                var packed = Int8Weights.Pack(w, 9 * c.C, c.F, path);
                foreach (int parts in new[] { 1, 2, 3 })
                {
                    var expected = new byte[pool.OutputLength];
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (float* px = x)
                    fixed (byte* pe = expected)
                    fixed (byte* pa = actual)
                    {
                        Int8ConvPool.Forward(g, pool, pq, packed, output, 0.004f, 7, pe, parts);
                        Int8ConvPool.Forward(g, pool, px, inScale, inZero, packed, output, 0.004f, 7, pa, parts);
                    }
                    Check.Equal<byte>(expected, actual, $"Int8 conv + pool quantizing its floats {path} {c}, {parts} parts");
                }
            }
        }
    }

    /// <summary>The direct sums Σ d · g (padding = the zero point) pooled 2×2 by max, as int32.</summary>
    private static int[] DirectPooledSums(in Conv2DGeometry g, in Pool2DGeometry pool, byte[] q, sbyte[] w, int zero)
    {
        int n = g.OutC;
        var sums = new long[g.OutH * g.OutW * n];
        for (int oh = 0; oh < g.OutH; oh++)
            for (int ow = 0; ow < g.OutW; ow++)
                for (int o = 0; o < n; o++)
                    for (int a = 0; a < 3; a++)
                        for (int b = 0; b < 3; b++)
                        {
                            int ih = oh + a - g.PadTop, iw = ow + b - g.PadLeft;
                            bool inside = ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
                            for (int c = 0; c < g.InC; c++)
                                sums[(oh * g.OutW + ow) * n + o] += (long)(inside ? q[(ih * g.InW + iw) * g.InC + c] : zero) * w[((a * 3 + b) * g.InC + c) * n + o];
                        }
        var pooled = new int[pool.OutputLength];
        for (int ph = 0; ph < pool.OutH; ph++)
            for (int pw = 0; pw < pool.OutW; pw++)
                for (int o = 0; o < n; o++)
                {
                    long best = long.MinValue;
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++)
                            best = Math.Max(best, sums[((2 * ph + i) * g.OutW + 2 * pw + j) * n + o]);
                    pooled[(ph * pool.OutW + pw) * n + o] = checked((int)best);
                }
        return pooled;
    }
}
