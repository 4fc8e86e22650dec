using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The convolution read in place from an int16 frame through 512-bit <c>vpmaddwd</c>
/// (<see cref="Int8PairConv"/>, the path without VNNI) against the naive conv (and quantize and
/// pool), bit for bit: 1 to 33 input channels (rows of KW·Cin taps odd, even, whole quads or not),
/// output channels around the 16-channel tile, output rows shorter and longer than the 8-pixel
/// group, strides, dilated rows, Same padding with zero points 0, 255 and between, output rows cut
/// into parts, and the extremes (inputs 0/255, weights 127/−128). Where AVX-512BW is absent
/// (SimdPathTests' child processes) Applies is false and the checks compare the other paths only.
/// </summary>
public static class Int8PairConvChecks
{
    private static readonly (int B, int H, int W, int C, int F, int KH, int KW, int S, bool Same, int D)[] Shapes =
    [
        (2, 28, 28, 16, 16, 3, 3, 1, true, 1), (1, 28, 28, 1, 16, 3, 3, 1, true, 1), (2, 14, 14, 16, 32, 3, 3, 1, false, 1),
        (1, 7, 9, 3, 17, 3, 3, 1, true, 1), (1, 5, 5, 2, 1, 3, 3, 1, false, 1), (1, 11, 13, 5, 33, 3, 5, 2, true, 1),
        (1, 6, 4, 7, 15, 2, 2, 1, false, 1), (2, 9, 9, 4, 31, 3, 3, 1, true, 2), (1, 3, 3, 1, 2, 3, 3, 1, true, 1),
        (1, 10, 10, 13, 64, 3, 3, 3, false, 1), (1, 1, 23, 3, 8, 1, 5, 1, true, 1), (0, 6, 6, 3, 16, 3, 3, 1, false, 1),
        (1, 12, 17, 33, 48, 3, 3, 1, true, 1), (1, 8, 8, 6, 65, 1, 1, 1, false, 1),
    ];

    public static unsafe void PairConvMatchesTwin()
    {
        int seed = 9700;
        foreach (var c in Shapes)
            foreach (var (outScale, outZero) in new[] { (0.01f, 0), (0.003f, 255), (0.02f, 17) })
            {
                seed++;
                var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, c.KH, c.KW, c.S, c.S, c.Same, c.D, c.D);
                int k = c.KH * c.KW * c.C;
                var q = Int8Checks.RandomBytes(g.InputLength, seed);
                var w = Int8Checks.RandomWeights(k * c.F, seed + 1);
                var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 91);
                Compare(g, q, w, output, outScale, outZero, $"{c}");
            }
    }

    public static unsafe void PairConvPoolMatchesTwin()
    {
        int seed = 9800;
        foreach (var c in Shapes)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, c.KH, c.KW, c.S, c.S, c.Same, c.D, c.D);
            if (g.OutH < 2 || g.OutW < 2) continue;
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
            int k = c.KH * c.KW * c.C;
            var q = Int8Checks.RandomBytes(g.InputLength, seed);
            var w = Int8Checks.RandomWeights(k * c.F, seed + 1);
            var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 200);
            ComparePooled(g, pool, q, w, output, 0.004f, 7, $"{c}");
        }
    }

    public static void PairConvIsExactAtTheExtremes()
    {
        // Every input 0 or 255 with the other extreme as the zero point (Same padding reads it), every
        // weight 127, −128 or alternating, 48 channels in (432 taps): the largest pairs and sums.
        foreach (byte input in new byte[] { 255, 0 })
            foreach (sbyte weight in new sbyte[] { 127, -128, 0 })
            {
                const int c = 48, f = 20;
                var g = Conv2DGeometry.Create(1, 9, 10, c, f, 3, 3, 1, 1, true);
                var q = new byte[g.InputLength];
                Array.Fill(q, input);
                var w = new sbyte[9 * c * f];
                for (int i = 0; i < w.Length; i++) w[i] = weight != 0 ? weight : (sbyte)((i / f + i % f) % 2 == 0 ? 127 : -128);
                var output = new Int8Output(1f, 255 - input, Enumerable.Repeat(1f / (1 << 22), f).ToArray(), null, false);
                Compare(g, q, w, output, 1f / 32, 128, $"extremes input {input} weight {weight}");
                var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, f, 2, 2, 2, 2, false);
                ComparePooled(g, pool, q, w, output, 1f / 32, 128, $"extremes input {input} weight {weight}");
            }
    }

    public static void PairConvAppliesOnlyWhereItShould()
    {
        var g = Conv2DGeometry.Create(1, 28, 28, 16, 16, 3, 3, 1, 1, true);
        var w = new sbyte[9 * 16 * 16];
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, 9 * 16, 16, path);
            bool expected = path == Int8Path.MultiplyAdd512 && Avx512BW.IsSupported;
            if (Int8PairConv.Applies(g, packed) != expected)
                throw new CheckFailedException($"Int8 pair conv: Applies should be {expected} for {path} weights");
            if (expected && Int8PairConv.Applies(Conv2DGeometry.Create(1, 28, 28, 16, 16, 3, 3, 1, 1, true, 1, 2), packed))
                throw new CheckFailedException("Int8 pair conv applies despite dilated width taps");
        }
    }

    private static unsafe void Compare(in Conv2DGeometry g, byte[] q, sbyte[] w, Int8Output output, float outScale, int outZero, string context)
    {
        int k = g.KernelH * g.KernelW * g.InC;
        var floats = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, q, w, output, floats);
        var expected = NaiveInt8.Quantize(floats, outScale, outZero);
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, k, g.OutC, path);
            var actual = new byte[g.OutputLength];
            fixed (byte* pq = q)
            fixed (byte* py = actual)
                Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToBytes(py, outScale, outZero));
            Check.Equal<byte>(expected, actual, $"Int8 conv to u8 {path} {context} ({outScale}, {outZero})");
            if (!Int8PairConv.Applies(g, packed)) continue;
            // Called directly, each image's output rows in 1–3 parts, to floats.
            var one = g with { Batch = 1 };
            foreach (int parts in new[] { 1, 2, 3 })
            {
                var direct = new float[g.OutputLength];
                fixed (byte* pq = q)
                fixed (float* py = direct)
                    for (int b = 0; b < g.Batch; b++)
                        for (int part = 0; part < parts; part++)
                            Int8PairConv.Image(one, pq + (long)b * one.InputLength, packed, output, Int8Destination.ToFloats(py), (long)b * g.OutH * g.OutW,
                                g.OutH * part / parts, g.OutH * (part + 1) / parts);
                Check.Equal<float>(floats, direct, $"Int8 pair conv called directly {context}, {parts} parts");
            }
        }
    }

    private static unsafe void ComparePooled(in Conv2DGeometry g, in Pool2DGeometry pool, byte[] q, sbyte[] w, Int8Output output, float outScale, int outZero, string context)
    {
        int k = g.KernelH * g.KernelW * g.InC;
        var floats = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, q, w, output, floats);
        var expected = new byte[pool.OutputLength];
        NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, outScale, outZero), expected);
        foreach (var path in Int8Paths.Supported())
            foreach (int parts in new[] { 1, 2, 3 })
            {
                var actual = new byte[pool.OutputLength];
                fixed (byte* pq = q)
                fixed (byte* py = actual)
                    Int8ConvPool.Forward(g, pool, pq, Int8Weights.Pack(w, k, g.OutC, path), output, outScale, outZero, py, parts);
                Check.Equal<byte>(expected, actual, $"Int8 conv + pool {path} {context} ({outScale}, {outZero}), {parts} parts per image");
            }
    }
}
