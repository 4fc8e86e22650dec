using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The single-input-channel 3×3 convolution with its 2×2 pool (<see cref="Int8SingleChannelConv"/>,
/// int16 tap pairs through <c>vpmaddwd</c>) against the naive conv, quantize and pool, bit for bit:
/// odd image sizes (the pool drops the last row/column), Same padding with zero points 0, 255 and
/// between, output channels not a multiple of 16 or 32 (1 to 70), bias or none, ReLU or none, images
/// cut into 1–3 parts by pool rows, and the extremes (inputs 0/255, weights 127/−128). Both through
/// <see cref="Int8ConvPool"/> on every path (the VNNI path's images reach this kernel) and called
/// directly with every path's weights. Where AVX-512BW is absent (SimdPathTests' child processes)
/// Applies is false and the same convolutions take the direct kernels.
/// </summary>
public static class Int8SingleChannelChecks
{
    private static readonly (int B, int H, int W, int F, bool Same)[] Shapes =
    [
        (3, 28, 28, 32, false), (2, 28, 28, 32, true), (1, 9, 7, 17, false), (2, 6, 5, 1, true), (1, 4, 4, 33, false),
        (1, 5, 11, 48, true), (1, 3, 3, 16, false), (1, 2, 2, 31, true), (1, 13, 12, 70, false), (1, 16, 16, 64, true),
        (2, 10, 10, 15, false), (0, 8, 8, 32, false),
    ];

    public static unsafe void SingleChannelConvPoolMatchesTwin()
    {
        int seed = 9100;
        foreach (var c in Shapes)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, 1, c.F, 3, 3, 1, 1, c.Same);
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
            var q = Int8Checks.RandomBytes(g.InputLength, seed);
            var w = Int8Checks.RandomWeights(9 * c.F, seed + 1);
            var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 91);
            foreach (var (outScale, outZero) in new[] { (0.004f, 7), (0.05f, 250) })
                Compare(g, pool, q, w, output, outScale, outZero, $"{c}");
        }
    }

    public static unsafe void SingleChannelConvPoolIsExactAtTheExtremes()
    {
        // Every input 0 or 255 with the other extreme as the zero point (so Same padding reads it),
        // every weight 127, −128 or alternating: the largest pairs and sums the bound allows.
        foreach (byte input in new byte[] { 255, 0 })
            foreach (sbyte weight in new sbyte[] { 127, -128, 0 })
            {
                const int f = 40;
                var g = Conv2DGeometry.Create(1, 7, 8, 1, f, 3, 3, 1, 1, true);
                var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, f, 2, 2, 2, 2, false);
                var q = new byte[g.InputLength];
                Array.Fill(q, input);
                var w = new sbyte[9 * f];
                for (int i = 0; i < w.Length; i++) w[i] = weight != 0 ? weight : (sbyte)((i / f + i % f) % 2 == 0 ? 127 : -128);
                var output = new Int8Output(1f, 255 - input, Enumerable.Repeat(1f / 65536, f).ToArray(), null, false);
                Compare(g, pool, q, w, output, 1f / 32, 128, $"extremes input {input} weight {weight}");
            }
    }

    public static void SingleChannelConvPoolSkipsBlankWindowsExactly()
    {
        // Images of zero bytes (a background) with random blobs, some a single byte at a window's
        // corner or edge: the windows whose 4×4 taps are all zero take no products, the rest do;
        // input zero points 0 (Same padding reads zeros: the border windows are blank too) and 17
        // (the padding is not blank), ReLU or not, bias or none; 260 channels, past the copied blank bytes.
        int seed = 9300;
        foreach (var (h, w, f, same) in new[] { (28, 28, 32, false), (12, 11, 17, true), (9, 9, 48, false), (16, 14, 33, true), (10, 12, 260, false) })
            foreach (int inputZero in new[] { 0, 17 })
            {
                seed++;
                var g = Conv2DGeometry.Create(2, h, w, 1, f, 3, 3, 1, 1, same);
                var pool = Pool2DGeometry.Create(2, g.OutH, g.OutW, f, 2, 2, 2, 2, false);
                var rng = new Random(seed);
                var q = new byte[g.InputLength];
                for (int blob = 0; blob < 6; blob++)
                {
                    int b = rng.Next(2), y0 = rng.Next(h), x0 = rng.Next(w), size = rng.Next(0, 4);
                    for (int y = y0; y < Math.Min(h, y0 + size + 1); y++)
                        for (int x = x0; x < Math.Min(w, x0 + size + 1); x++)
                            q[(b * h + y) * w + x] = (byte)rng.Next(1, 256);
                }
                var weights = Int8Checks.RandomWeights(9 * f, seed + 1);
                var output = Int8Checks.Output(f, seed, 0.02f, inputZero);
                Compare(g, pool, q, weights, output, 0.004f, 3, $"blank windows {h}×{w}→{f} same={same} input zero {inputZero}");
            }
    }

    public static unsafe void SingleChannelConvWithoutPoolMatchesTwin()
    {
        // Int8SingleChannelConv.Image (no pool): Same and Valid, odd sizes, 1 to 70 output channels,
        // zero points 0, 255 and between, float and byte outputs, rows cut into 1–3 parts, images
        // with a zero background and blobs (the blank pixels skip their products), and the extremes.
        int seed = 9500;
        foreach (var c in Shapes)
            foreach (bool background in new[] { false, true })
            {
                seed++;
                var g = Conv2DGeometry.Create(c.B, c.H, c.W, 1, c.F, 3, 3, 1, 1, c.Same);
                var q = background ? Blobs(g, seed) : Int8Checks.RandomBytes(g.InputLength, seed);
                var w = Int8Checks.RandomWeights(9 * c.F, seed + 1);
                var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 91);
                CompareUnpooled(g, q, w, output, $"{c} background={background}");
            }
        foreach (byte input in new byte[] { 255, 0 })
            foreach (sbyte weight in new sbyte[] { 127, -128 })
            {
                var g = Conv2DGeometry.Create(2, 7, 9, 1, 40, 3, 3, 1, 1, true);
                var q = new byte[g.InputLength];
                Array.Fill(q, input);
                var w = new sbyte[9 * 40];
                Array.Fill(w, weight);
                CompareUnpooled(g, q, w, new Int8Output(1f, 255 - input, Enumerable.Repeat(1f / 65536, 40).ToArray(), null, false), $"extremes {input} {weight}");
            }
    }

    private static byte[] Blobs(in Conv2DGeometry g, int seed)
    {
        var rng = new Random(seed);
        var q = new byte[g.InputLength];
        for (int blob = 0; blob < 3 * Math.Max(1, g.Batch); blob++)
        {
            int b = rng.Next(Math.Max(1, g.Batch)), y0 = rng.Next(g.InH), x0 = rng.Next(g.InW), size = rng.Next(0, 3);
            for (int y = y0; y < Math.Min(g.InH, y0 + size + 1); y++)
                for (int x = x0; x < Math.Min(g.InW, x0 + size + 1); x++)
                    if (b < g.Batch) q[(b * g.InH + y) * g.InW + x] = (byte)rng.Next(1, 256);
        }
        return q;
    }

    private static unsafe void CompareUnpooled(in Conv2DGeometry g, byte[] q, sbyte[] w, Int8Output output, string context)
    {
        var floats = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, q, w, output, floats);
        var one = g with { Batch = 1 };
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, 9, g.OutC, path);
            bool runs = Int8SingleChannelConv.AppliesUnpooled(g, packed);
            if (runs != (Avx512BW.IsSupported && path == Int8Path.MultiplyAdd512))
                throw new CheckFailedException($"Int8 single-channel conv without pool {context}: AppliesUnpooled is {runs} on {path}");
            // Through Int8Conv2D (every path), and on the path where it runs, called directly by parts of rows.
            var viaConv = new float[g.OutputLength];
            fixed (byte* pq = q)
            fixed (float* py = viaConv)
                Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToFloats(py));
            Check.Equal<float>(floats, viaConv, $"Int8 conv of one channel without pool {path} {context}");
            if (!runs) continue;
            foreach (var (outScale, outZero) in new[] { (0.004f, 7), (0.05f, 250) })
            {
                var expected = NaiveInt8.Quantize(floats, outScale, outZero);
                foreach (int parts in new[] { 1, 2, 3 })
                {
                    var bytes = new byte[g.OutputLength + 1];
                    bytes[^1] = 0xA5;
                    var direct = new float[g.OutputLength];
                    fixed (byte* pq = q, py = bytes)
                    fixed (float* pf = direct)
                        for (int b = 0; b < g.Batch; b++)
                            for (int part = 0; part < parts; part++)
                            {
                                byte* image = pq + (long)b * one.InputLength;
                                int oh0 = g.OutH * part / parts, oh1 = g.OutH * (part + 1) / parts;
                                Int8SingleChannelConv.Image(one, image, packed, output, Int8Destination.ToBytes(py, outScale, outZero), (long)b * g.OutH * g.OutW, oh0, oh1);
                                Int8SingleChannelConv.Image(one, image, packed, output, Int8Destination.ToFloats(pf), (long)b * g.OutH * g.OutW, oh0, oh1);
                            }
                    Check.Equal<byte>(expected, bytes.AsSpan(0, g.OutputLength).ToArray(), $"Int8 single-channel conv without pool, bytes ({outScale}, {outZero}), {context}, {parts} parts");
                    Check.Equal<float>(floats, direct, $"Int8 single-channel conv without pool, floats, {context}, {parts} parts");
                    if (bytes[^1] != 0xA5) throw new CheckFailedException($"Int8 single-channel conv without pool {context}: wrote past the end");
                }
            }
        }
    }

    public static void SingleChannelAppliesOnlyWhereItShould()
    {
        var g = Conv2DGeometry.Create(1, 28, 28, 1, 32, 3, 3, 1, 1, false);
        var pool = Pool2DGeometry.Create(1, 26, 26, 32, 2, 2, 2, 2, false);
        if (Int8SingleChannelConv.Applies(g, pool) != Avx512BW.IsSupported)
            throw new CheckFailedException($"Int8 single-channel conv: Applies should be {Avx512BW.IsSupported} for 28×28×1 → 32 with a 2×2 pool");
        foreach (var (cg, cp, why) in new[]
        {
            (g with { InC = 2 }, pool, "two input channels"),
            (Conv2DGeometry.Create(1, 28, 28, 1, 32, 3, 3, 2, 2, false), Pool2DGeometry.Create(1, 13, 13, 32, 2, 2, 2, 2, false), "stride 2"),
            (Conv2DGeometry.Create(1, 28, 28, 1, 32, 3, 3, 1, 1, false, 2, 2), Pool2DGeometry.Create(1, 24, 24, 32, 2, 2, 2, 2, false), "dilation 2"),
            (Conv2DGeometry.Create(1, 28, 28, 1, 32, 5, 5, 1, 1, false), Pool2DGeometry.Create(1, 24, 24, 32, 2, 2, 2, 2, false), "a 5×5 kernel"),
            (g, Pool2DGeometry.Create(1, 26, 26, 32, 3, 3, 2, 2, false), "a 3×3 pool"),
            (g, Pool2DGeometry.Create(1, 26, 26, 32, 2, 2, 1, 1, false), "a stride-1 pool"),
        })
            if (Int8SingleChannelConv.Applies(cg, cp)) throw new CheckFailedException($"Int8 single-channel conv applies despite {why}");
    }

    private static unsafe void Compare(in Conv2DGeometry g, in Pool2DGeometry pool, byte[] q, sbyte[] w, Int8Output output, float outScale, int outZero, string context)
    {
        var floats = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, q, w, output, floats);
        var expected = new byte[pool.OutputLength];
        NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, outScale, outZero), expected);
        bool runs = Int8SingleChannelConv.Applies(g, pool);
        if (runs != Avx512BW.IsSupported) throw new CheckFailedException($"Int8 single-channel conv {context}: Applies is {runs}");
        var one = g with { Batch = 1 };
        var onePool = pool with { Batch = 1 };
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, 9, g.OutC, path);
            foreach (int parts in new[] { 1, 2, 3 })
            {
                var actual = new byte[pool.OutputLength];
                fixed (byte* pq = q)
                fixed (byte* py = actual)
                    Int8ConvPool.Forward(g, pool, pq, packed, output, outScale, outZero, py, parts);
                Check.Equal<byte>(expected, actual, $"Int8 single-channel conv + pool {path} {context} ({outScale}, {outZero}), {parts} parts per image");
                if (!runs) continue;
                var direct = new byte[pool.OutputLength];
                fixed (byte* pq = q)
                fixed (byte* py = direct)
                    for (int b = 0; b < g.Batch; b++)
                        for (int part = 0; part < parts; part++)
                            Int8SingleChannelConv.ImagePooled(one, onePool, pq + (long)b * g.InputLength / g.Batch, packed, output, outScale, outZero,
                                py + (long)b * onePool.OutputLength, onePool.OutH * part / parts, onePool.OutH * (part + 1) / parts);
                Check.Equal<byte>(expected, direct, $"Int8 single-channel conv + pool called directly, {path} weights, {context} ({outScale}, {outZero}), {parts} parts");
            }
        }
    }
}
