using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// A convolution with the quantized Add, ReLU and max pool that follow it, image by image
/// (<see cref="Int8ConvAdd"/>), against the naive steps one after another (conv, quantize, Add,
/// ReLU, pool), bit for bit, on every weight path the process supports: 1, 3, 16 and 17 input
/// channels (the single-channel, pair, Winograd F(4×4) and im2col kernels), Same and Valid, 1×1 and
/// 3×3 kernels, odd sizes, the convolution as either addend, with and without ReLU and pool, zero
/// points 0, 255 and between, and the extremes (inputs 0/255, weights 127/−128, a fine output grid
/// that saturates).
/// </summary>
public static class Int8ConvAddChecks
{
    private static readonly (int B, int H, int W, int C, int F, int K, bool Same)[] Shapes =
    [
        (2, 28, 28, 16, 16, 3, true), (3, 28, 28, 1, 16, 3, true), (1, 9, 7, 16, 17, 3, true), (2, 6, 5, 3, 16, 3, true), (1, 5, 11, 17, 32, 3, true),
        (1, 4, 4, 2, 5, 1, false), (2, 13, 12, 16, 16, 3, true), (1, 1, 1, 16, 16, 3, true), (1, 3, 2, 1, 1, 3, true), (0, 8, 8, 16, 16, 3, true),
        (1, 10, 10, 8, 16, 3, false),
    ];

    public static void ConvAddMatchesTheStepsOnEveryPath()
    {
        int seed = 9700;
        foreach (var s in Shapes)
            foreach (bool convIsA in new[] { false, true })
                foreach (bool relu in new[] { true, false })
                    foreach (bool pool in new[] { true, false })
                    {
                        seed++;
                        var g = Conv2DGeometry.Create(s.B, s.H, s.W, s.C, s.F, s.K, s.K, 1, 1, s.Same);
                        var x = Int8Checks.RandomBytes(g.InputLength, seed);
                        var skip = Int8Checks.RandomBytes(g.OutputLength, seed + 1);
                        var w = Int8Checks.RandomWeights(s.K * s.K * s.C * s.F, seed + 2);
                        var output = Int8Checks.Output(s.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 91);
                        var (convScale, convZero) = seed % 2 == 0 ? (0.004f, 7) : (0.05f, 250);
                        var add = Int8AddParameters.Create(convScale, convZero, 0.03f, seed % 5 * 50, 0.05f, relu ? 13 : 128, relu);
                        if (!convIsA) add = Int8AddParameters.Create(0.03f, seed % 5 * 50, convScale, convZero, 0.05f, relu ? 13 : 128, relu);
                        Compare(g, x, w, output, convScale, convZero, skip, add, convIsA, relu, pool, $"{s} convIsA={convIsA} relu={relu} pool={pool}");
                    }
    }

    public static void ConvAddIsExactAtTheExtremes()
    {
        foreach (byte input in new byte[] { 255, 0 })
            foreach (sbyte weight in new sbyte[] { 127, -128 })
                foreach (int c in new[] { 1, 16 })
                {
                    const int f = 16;
                    var g = Conv2DGeometry.Create(2, 7, 8, c, f, 3, 3, 1, 1, true);
                    var x = new byte[g.InputLength];
                    Array.Fill(x, input);
                    var skip = new byte[g.OutputLength];
                    Array.Fill(skip, (byte)(255 - input));
                    var w = new sbyte[9 * c * f];
                    Array.Fill(w, weight);
                    var output = new Int8Output(1f, 255 - input, Enumerable.Repeat(1f / 65536, f).ToArray(), null, false);
                    // A fine output grid: most sums clamp at 0 or 255.
                    var add = Int8AddParameters.Create(1f / 32, 128, 0.5f, 0, 0.001f, 100, relu: false);
                    Compare(g, x, w, output, 1f / 32, 128, skip, add, convIsA: true, relu: false, pool: true, $"extremes input {input} weight {weight} channels {c}");
                    Compare(g, x, w, output, 1f / 32, 128, skip, add, convIsA: true, relu: true, pool: false, $"extremes input {input} weight {weight} channels {c}, ReLU");
                }
    }

    public static unsafe void ConvAddRefusesAPoolOfAnotherShape()
    {
        var g = Conv2DGeometry.Create(1, 8, 8, 16, 16, 3, 3, 1, 1, true);
        var w = Int8Weights.Pack(new sbyte[9 * 16 * 16], 9 * 16, 16, Int8Paths.Best);
        var output = Int8Checks.Output(16, 1, 0.02f, 3);
        var add = Int8AddParameters.Create(0.01f, 0, 0.01f, 0, 0.02f, 0, relu: true);
        var pool = Pool2DGeometry.Create(1, 6, 8, 16, 2, 2, 2, 2, false);
        var buffer = new byte[4096];
        try
        {
            fixed (byte* p = buffer) Int8ConvAdd.Forward(g, p, w, output, 0.01f, 0, p, new Int8AddTail(add, true, -1, pool), p);
        }
        catch (ArgumentException) { return; }
        throw new CheckFailedException("Int8 conv + add accepted a pool over a 6×8 image after an 8×8 convolution");
    }

    private static unsafe void Compare(in Conv2DGeometry g, byte[] x, sbyte[] w, Int8Output output, float convScale, int convZero, byte[] skip,
        Int8AddParameters add, bool convIsA, bool relu, bool pool, string context)
    {
        var floats = new float[g.OutputLength];
        NaiveInt8.Conv2D(g, x, w, output, floats);
        var conv = NaiveInt8.Quantize(floats, convScale, convZero);
        var sum = new byte[g.OutputLength];
        if (convIsA) NaiveInt8Add.Add(conv, skip, add, sum);
        else NaiveInt8Add.Add(skip, conv, add, sum);
        if (relu) NaiveInt8.Relu(sum, (byte)add.OutputZeroPoint);
        var poolGeometry = Pool2DGeometry.Create(g.Batch, g.OutH, g.OutW, g.OutC, 2, 2, 2, 2, false);
        byte[] expected = sum;
        if (pool)
        {
            expected = new byte[poolGeometry.OutputLength];
            NaiveInt8.MaxPool2D(poolGeometry, sum, expected);
        }
        var tail = new Int8AddTail(add, convIsA, relu ? add.OutputZeroPoint : -1, pool ? poolGeometry with { Batch = 1 } : (Pool2DGeometry?)null);
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, g.KernelH * g.KernelW * g.InC, g.OutC, path);
            var actual = new byte[expected.Length + 1];
            actual[^1] = 0xA5;
            fixed (byte* px = x, ps = skip, py = actual)
                Int8ConvAdd.Forward(g, px, packed, output, convScale, convZero, ps, tail, py);
            Check.Equal<byte>(expected, actual.AsSpan(0, expected.Length).ToArray(), $"Int8 conv + add {path} {context}");
            if (actual[^1] != 0xA5) throw new CheckFailedException($"Int8 conv + add {path} {context}: wrote past the end");
        }
    }
}
