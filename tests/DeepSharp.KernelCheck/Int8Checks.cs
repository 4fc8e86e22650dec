using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The int8 kernels against their naive twins, bit for bit, on every <see cref="Int8Path"/> this
/// process supports (the child processes of SimdPathTests take paths away): shapes 0, 1, primes
/// and around the 16-channel tile and 4-byte quad, saturation extremes, padding and strides.
/// </summary>
public static class Int8Checks
{
    private static readonly int[] Rows = [0, 1, 3, 4, 5, 7, 13, 64, 65, 97];
    private static readonly int[] Channels = [0, 1, 2, 15, 16, 17, 31, 33, 64, 65];
    private static readonly int[] Depths = [0, 1, 2, 3, 4, 5, 7, 63, 64, 65, 131];

    public static void GemmMatchesTwinOnEveryPath()
    {
        int seed = 0;
        foreach (int m in Rows)
            foreach (int n in Channels)
                foreach (int k in Depths)
                {
                    seed++;
                    int pad = seed % 3;
                    var a = RandomBytes(m * (k + pad), seed);
                    var w = RandomWeights(k * n, seed + 1);
                    CompareGemm(m, n, k, a, k + pad, w, $"m={m} n={n} k={k} lda={k + pad}");
                }
    }

    public static void GemmIsExactAtTheExtremes()
    {
        // The largest sums: 255 · 127 and 255 · −128 over long rows (vpmaddubsw would saturate here).
        foreach (int k in new[] { 1, 2, 3, 5408, 9999 })
            foreach (sbyte value in new sbyte[] { 127, -128, -127 })
            {
                var a = new byte[3 * k];
                Array.Fill(a, (byte)255);
                var w = new sbyte[k * 17];
                Array.Fill(w, value);
                CompareGemm(3, 17, k, a, k, w, $"extreme k={k} w={value}");
                long expected = 255L * value * k;
                var c = new int[3 * 17];
                Int8Gemm.Multiply(3, a, k, Int8Weights.Pack(w, k, 17, Int8Paths.Best), c, 17);
                if (c[0] != expected) throw new CheckFailedException($"Int8 GEMM extreme k={k} w={value}: {c[0]}, expected {expected}");
            }
    }

    public static void WeightsUnpackAndPadRows()
    {
        // Every packed layout gives back the matrix it was packed from; the row-padded form (the
        // windows read in place) puts each kernel row's taps at the start of whole quads, zeros after.
        foreach (var (kh, rowLength, n) in new[] { (3, 3, 32), (1, 1, 1), (2, 7, 17), (5, 8, 3), (3, 96, 64) })
        {
            int k = kh * rowLength;
            var w = RandomWeights(k * n, k * 7 + n);
            foreach (var path in Int8Paths.Supported())
            {
                var packed = Int8Weights.Pack(w, k, n, path);
                Check.Equal<sbyte>(w, packed.Unpacked(), $"Int8 weights {path} k={k} n={n} unpacked");
                var padded = packed.RowPadded(kh, rowLength);
                int quadsPerRow = (rowLength + 3) / 4;
                if (padded.K != kh * quadsPerRow * 4 || padded.Path != path || (rowLength % 4 == 0) != ReferenceEquals(padded, packed))
                    throw new CheckFailedException($"Int8 weights {path} rows {kh}×{rowLength}: padded K {padded.K}");
                Check.Equal<int>(packed.ColumnSums, padded.ColumnSums, $"Int8 weights {path} rows {kh}×{rowLength} column sums");
                var wide = padded.Unpacked();
                for (int r = 0; r < padded.K; r++)
                    for (int c = 0; c < n; c++)
                    {
                        int row = r / (quadsPerRow * 4), tap = r % (quadsPerRow * 4);
                        sbyte e = tap < rowLength ? w[(row * rowLength + tap) * n + c] : (sbyte)0;
                        if (wide[r * n + c] != e)
                            throw new CheckFailedException($"Int8 weights {path} rows {kh}×{rowLength}: padded ({r}, {c}) = {wide[r * n + c]}, expected {e}");
                    }
            }
        }
        Expect(() => Int8Weights.Pack(new sbyte[6], 2, 3, Int8Path.Scalar).RowPadded(4, 1), "do not hold 4 kernel rows");
    }

    public static void QuantizeMatchesTwin()
    {
        float scale = 0.05f;
        foreach (int length in Check.AwkwardSizes)
            foreach (int zp in new[] { 0, 1, 128, 255 })
            {
                var x = Check.Random(length, length * 31 + zp);
                for (int i = 0; i < length; i++)
                {
                    x[i] *= 10f; // beyond both ends of [0, 255] for every zero point
                    if (i % 7 == 3) x[i] = ((i % 40) - 20 + 0.5f) * scale; // exact halves: round to even
                    if (i % 11 == 5) x[i] = i % 2 == 0 ? float.NaN : float.PositiveInfinity;
                    if (i % 13 == 6) x[i] = float.NegativeInfinity;
                }
                var q = new byte[length];
                Int8Quantize.ToUInt8(x, scale, zp, q);
                for (int i = 0; i < length; i++)
                {
                    byte e = NaiveInt8.Quantize(x[i], scale, zp);
                    if (q[i] != e) throw new CheckFailedException($"Int8 quantize length {length} zp {zp}: at {i} ({x[i]}) got {q[i]}, expected {e}");
                }
            }
    }

    public static void FakeQuantMatchesTwin()
    {
        foreach (int length in Check.AwkwardSizes)
        {
            var x = Check.Random(length, length + 77);
            for (int i = 0; i < length; i++) x[i] *= 4f;
            var y = new float[length];
            FakeQuantKernel.Activations(x, 0.01f, 100, y);
            var dx = new float[length];
            var dy = Check.Random(length, length + 78);
            FakeQuantKernel.ActivationsBackward(x, dy, 0.01f, 100, dx);
            for (int i = 0; i < length; i++)
            {
                float e = (NaiveInt8.Quantize(x[i], 0.01f, 100) - 100) * 0.01f;
                float g = x[i] >= -1f && x[i] <= 1.55f ? dy[i] : 0f;
                if (y[i] != e || dx[i] != g)
                    throw new CheckFailedException($"FakeQuant length {length}: at {i} ({x[i]}) got {y[i]}/{dx[i]}, expected {e}/{g}");
            }
        }
    }

    public static void LinearMatchesTwinOnEveryPath()
    {
        int seed = 100;
        foreach (int m in new[] { 0, 1, 2, 5, 63, 64, 65, 130 })
            foreach (int n in new[] { 1, 7, 10, 16, 17, 128 })
                foreach (int k in new[] { 1, 3, 9, 64, 97 })
                {
                    seed++;
                    var x = Check.Random(m * k, seed);
                    var w = RandomWeights(k * n, seed + 1);
                    var output = Output(n, seed, 0.01f, seed % 256);
                    var expected = new float[m * n];
                    NaiveInt8.Linear(m, n, k, x, w, output, expected);
                    foreach (var path in Int8Paths.Supported())
                    {
                        var actual = new float[m * n];
                        Int8Linear.Forward(m, x, Int8Weights.Pack(w, k, n, path), output, actual);
                        Check.Equal<float>(expected, actual, $"Int8 Dense {path} m={m} n={n} k={k} relu {output.Relu} bias {output.Bias is not null}");
                    }
                }
    }

    public static void Conv2DMatchesTwinOnEveryPath()
    {
        (int B, int H, int W, int C, int F, int KH, int KW, int S, bool Same, int D)[] cases =
        [
            (2, 28, 28, 1, 32, 3, 3, 1, false, 1), (1, 13, 13, 32, 64, 3, 3, 1, false, 1), (3, 7, 5, 3, 17, 3, 3, 2, true, 1),
            (1, 9, 11, 5, 16, 5, 3, 1, true, 1), (2, 8, 8, 4, 15, 3, 3, 1, true, 2), (0, 5, 5, 2, 3, 3, 3, 1, false, 1),
            (1, 1, 1, 1, 1, 1, 1, 1, false, 1), (1, 2, 2, 3, 4, 3, 3, 1, false, 1), (2, 6, 6, 7, 33, 2, 2, 2, false, 1),
            // The windows read in place (VNNI): padded frames, strides, rows shorter than 4 pixels, 48 and 65 channels.
            (1, 28, 28, 1, 32, 3, 3, 1, true, 1), (2, 10, 9, 2, 48, 3, 5, 2, true, 1), (1, 5, 3, 1, 16, 3, 3, 1, true, 1),
            (2, 11, 7, 3, 65, 1, 3, 1, false, 1), (1, 12, 12, 16, 31, 3, 3, 3, true, 1),
            // Height 1, as QuantizedConv1D runs: Same padding, strides, dilation, a window longer than the input.
            (2, 1, 23, 3, 8, 1, 5, 1, true, 1), (3, 1, 17, 6, 5, 1, 3, 2, false, 1), (1, 1, 30, 4, 16, 1, 2, 1, true, 2),
            (2, 1, 4, 1, 3, 1, 7, 1, true, 1), (1, 1, 64, 32, 33, 1, 3, 1, true, 1),
        ];
        int seed = 500;
        foreach (var c in cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, c.KH, c.KW, c.S, c.S, c.Same, c.D, c.D);
            int k = c.KH * c.KW * c.C;
            var x = Check.Random(g.InputLength, seed);
            var w = RandomWeights(k * c.F, seed + 1);
            var output = Output(c.F, seed, 0.02f, 40 + seed % 100);
            var expected = new float[g.OutputLength];
            NaiveInt8.Conv2D(g, x, w, output, expected);
            foreach (var path in Int8Paths.Supported())
            {
                var actual = new float[g.OutputLength];
                Int8Conv2D.Forward(g, x, Int8Weights.Pack(w, k, c.F, path), output, actual);
                Check.Equal<float>(expected, actual, $"Int8 Conv2D {path} {c}");
            }
        }
    }

    public static unsafe void Conv2DToBytesMatchesTwinOnEveryPath()
    {
        // u8 in, u8 out (the next layer's grid): the float twin's output quantized, byte for byte,
        // with output scales small enough that both ends of [0, 255] saturate.
        (int B, int H, int W, int C, int F, int KH, int KW, int S, bool Same, int D)[] cases =
        [
            (2, 28, 28, 1, 32, 3, 3, 1, false, 1), (1, 13, 13, 32, 64, 3, 3, 1, false, 1), (3, 7, 5, 3, 17, 3, 3, 2, true, 1),
            (2, 8, 8, 4, 15, 3, 3, 1, true, 2), (0, 5, 5, 2, 3, 3, 3, 1, false, 1), (1, 1, 1, 1, 1, 1, 1, 1, false, 1),
            (1, 2, 2, 3, 4, 3, 3, 1, false, 1), (2, 6, 6, 7, 33, 2, 2, 2, false, 1),
            (2, 1, 23, 3, 8, 1, 5, 1, true, 1), (3, 1, 17, 6, 5, 1, 3, 2, false, 1), (1, 1, 30, 4, 16, 1, 2, 1, true, 2),
            (1, 28, 28, 16, 16, 3, 3, 1, true, 1), // the residual CNN's 16 → 16 convolution
        ];
        int seed = 900;
        foreach (var c in cases)
            foreach (var (outScale, outZero) in new[] { (0.01f, 0), (0.003f, 128), (0.05f, 255), (0.02f, 17) })
            {
                seed++;
                var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, c.KH, c.KW, c.S, c.S, c.Same, c.D, c.D);
                int k = c.KH * c.KW * c.C;
                var q = RandomBytes(g.InputLength, seed);
                var w = RandomWeights(k * c.F, seed + 1);
                var output = Output(c.F, seed, 0.02f, 40 + seed % 100);
                var floats = new float[g.OutputLength];
                NaiveInt8.Conv2D(g, q, w, output, floats);
                var expected = NaiveInt8.Quantize(floats, outScale, outZero);
                foreach (var path in Int8Paths.Supported())
                {
                    var actual = new byte[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        Int8Conv2D.Forward(g, pq, Int8Weights.Pack(w, k, c.F, path), output, Int8Destination.ToBytes(py, outScale, outZero));
                    Check.Equal<byte>(expected, actual, $"Int8 Conv2D to u8 {path} {c} out ({outScale}, {outZero})");
                    var asFloats = new float[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (float* py = asFloats)
                        Int8Conv2D.Forward(g, pq, Int8Weights.Pack(w, k, c.F, path), output, Int8Destination.ToFloats(py));
                    Check.Equal<float>(floats, asFloats, $"Int8 Conv2D u8 in, float out {path} {c}");
                }
            }
    }

    public static unsafe void LinearToBytesMatchesTwinOnEveryPath()
    {
        int seed = 1300;
        foreach (int m in new[] { 0, 1, 2, 5, 63, 64, 65, 130 })
            foreach (int n in new[] { 1, 7, 10, 16, 17, 70, 128 })
                foreach (int k in new[] { 1, 3, 9, 64, 97 })
                {
                    seed++;
                    // Slack readable bytes after the input, as the u8 form asks of its caller.
                    var q = RandomBytes(m * k + Int8Gemm.Slack, seed);
                    var w = RandomWeights(k * n, seed + 1);
                    var output = Output(n, seed, 0.01f, seed % 256);
                    var floats = new float[m * n];
                    NaiveInt8.Linear(m, n, k, q.AsSpan(0, m * k), w, output, floats);
                    float outScale = 0.001f + seed % 5 * 0.01f;
                    int outZero = seed * 37 % 256;
                    var expected = NaiveInt8.Quantize(floats, outScale, outZero);
                    foreach (var path in Int8Paths.Supported())
                    {
                        var actual = new byte[m * n];
                        fixed (byte* pq = q)
                        fixed (byte* py = actual)
                            Int8Linear.Forward(m, pq, Int8Weights.Pack(w, k, n, path), output, Int8Destination.ToBytes(py, outScale, outZero));
                        Check.Equal<byte>(expected, actual, $"Int8 Dense to u8 {path} m={m} n={n} k={k} out ({outScale}, {outZero})");
                    }
                }
    }

    public static unsafe void ConvPoolMatchesTwinOnEveryPath()
    {
        // conv → u8 → max pool image by image against the naive conv, quantize and pool in turn;
        // 32 channels with a 2×2 pool take the pool's vector shortcut.
        (int B, int H, int W, int C, int F, int K, int P, int S, bool Same)[] cases =
        [
            (3, 28, 28, 1, 32, 3, 2, 2, false), (2, 9, 9, 3, 32, 3, 2, 2, true), (2, 7, 7, 2, 5, 2, 3, 2, true),
            (1, 6, 6, 4, 17, 3, 2, 1, false), (0, 6, 6, 1, 32, 3, 2, 2, false), (2, 5, 5, 1, 33, 1, 2, 2, false),
            (2, 11, 10, 2, 64, 3, 2, 2, false), (1, 4, 4, 1, 32, 3, 2, 2, false), (1, 7, 9, 3, 48, 2, 2, 2, false),
            (1, 13, 13, 32, 64, 3, 2, 2, false), (1, 9, 9, 4, 96, 3, 3, 2, true),
        ];
        int seed = 3000;
        foreach (var c in cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, c.K, c.K, 1, 1, false, 1, 1);
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, c.P, c.P, c.S, c.S, c.Same);
            int k = c.K * c.K * c.C;
            var q = RandomBytes(g.InputLength, seed);
            var w = RandomWeights(k * c.F, seed + 1);
            var output = Output(c.F, seed, 0.02f, seed % 200);
            var floats = new float[g.OutputLength];
            NaiveInt8.Conv2D(g, q, w, output, floats);
            var expected = new byte[pool.OutputLength];
            NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, 0.004f, 7), expected);
            foreach (var path in Int8Paths.Supported())
                foreach (int parts in new[] { 1, 2, 3 }) // images cut into parts that threads share (batch 1 in serving)
                {
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        Int8ConvPool.Forward(g, pool, pq, Int8Weights.Pack(w, k, c.F, path), output, 0.004f, 7, py, parts);
                    Check.Equal<byte>(expected, actual, $"Int8 conv + pool {path} {c}, {parts} parts per image");
                }
        }
    }

    public static unsafe void MaxPoolOnBytesMatchesTwin()
    {
        (int B, int H, int W, int C, int P, int S, bool Same)[] cases =
        [
            (2, 26, 26, 32, 2, 2, false), (1, 5, 7, 3, 2, 2, true), (3, 9, 9, 33, 3, 2, true), (1, 1, 1, 1, 2, 2, true),
            (0, 4, 4, 2, 2, 2, false), (2, 11, 13, 64, 3, 3, false), (1, 6, 6, 65, 2, 1, true), (1, 7, 7, 31, 1, 1, false),
            // 16·k channels (the residual CNN's 16): the 2×2 path's 128-bit and 256-bit vectors, the window's 128-bit one.
            (2, 28, 28, 16, 2, 2, false), (1, 10, 12, 48, 2, 2, false), (1, 9, 9, 16, 3, 2, true), (1, 8, 9, 17, 2, 2, false), (1, 7, 7, 16, 2, 2, true),
        ];
        int seed = 2000;
        foreach (var c in cases)
        {
            seed++;
            var g = Pool2DGeometry.Create(c.B, c.H, c.W, c.C, c.P, c.P, c.S, c.S, c.Same);
            var x = RandomBytes(g.InputLength, seed);
            var expected = new byte[g.OutputLength];
            NaiveInt8.MaxPool2D(g, x, expected);
            var actual = new byte[g.OutputLength];
            fixed (byte* px = x)
            fixed (byte* py = actual)
                Int8MaxPool.Forward(g, px, py);
            Check.Equal<byte>(expected, actual, $"Int8 max pool {c}");
        }
    }

    public static unsafe void ReluOnBytesMatchesTwin()
    {
        foreach (int length in Check.AwkwardSizes)
            foreach (byte zero in new byte[] { 0, 1, 128, 255 })
            {
                var x = RandomBytes(length, length + zero);
                var expected = (byte[])x.Clone();
                NaiveInt8.Relu(expected, zero);
                fixed (byte* px = x) Int8Relu.Forward(px, length, zero);
                Check.Equal<byte>(expected, x, $"Int8 ReLU length {length} zero point {zero}");
            }
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            var x = Check.Random(300 * 200, 7);
            var w = RandomWeights(200 * 70, 8);
            var packed = Int8Weights.Pack(w, 200, 70, Int8Paths.Best);
            var output = Output(70, 9, 0.01f, 100);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var y = new float[300 * 70];
                Int8Linear.Forward(300, x, packed, output, y);
                if (first is null) first = y;
                else Check.Equal<float>(first, y, $"Int8 Dense threads 1 vs {threads}");
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    public static void BadArgumentsThrow()
    {
        var w = Int8Weights.Pack(new sbyte[6], 2, 3, Int8Path.Scalar);
        Expect(() => Int8Gemm.Multiply(2, new byte[3], 2, w, new int[6], 3), "A has 3 values");
        Expect(() => Int8Gemm.Multiply(2, new byte[4], 1, w, new int[6], 3), "lda=1");
        Expect(() => Int8Weights.Pack(new sbyte[5], 2, 3, Int8Path.Scalar), "need 6 values");
        Expect(() => Int8Weights.Pack(new sbyte[1], Int8Weights.MaxK + 1, 0, Int8Path.Scalar), "k ≤");
        Expect(() => Int8Linear.Forward(1, new float[2], w, new Int8Output(0f, 0, new float[3], null, false), new float[3]), "positive finite scale");
        Expect(() => Int8Linear.Forward(1, new float[2], w, new Int8Output(float.NaN, 0, new float[3], null, false), new float[3]), "positive finite scale");
        Expect(() => Int8Linear.Forward(1, new float[2], w, new Int8Output(1f, 0, new float[2], null, false), new float[3]), "2 scales");
        Expect(() => BytesTo(0f, 0), "positive finite scale");
        Expect(() => BytesTo(float.NaN, 0), "positive finite scale");
        Expect(() => BytesTo(1f, 256), "zero point in [0, 255]");
    }

    private static unsafe void BytesTo(float scale, int zeroPoint)
    {
        byte b = 0;
        Int8Destination.ToBytes(&b, scale, zeroPoint);
    }

    private static void Expect(Action call, string part)
    {
        try
        {
            call();
        }
        catch (ArgumentException e)
        {
            if (!e.Message.Contains(part, StringComparison.Ordinal))
                throw new CheckFailedException($"Int8: message '{e.Message}' does not name '{part}'");
            return;
        }
        throw new CheckFailedException($"Int8: no ArgumentException for '{part}'");
    }

    public static void RequantizeRoundingMatchesDivision()
    {
        // The epilogue rounds v·fl(1/s) where that provably equals Round(v/s) and divides elsewhere:
        // compare lane by lane with the division over quotients at and next to every half-integer
        // and integer (the rounding boundaries), large and tiny quotients, zeros, NaN and infinities,
        // for random scales and the extremes of the float range (whose reciprocals are not normal).
        var rng = new Random(4242);
        var scales = new List<float> { 1f, 0.1f, 1f / 3, 3e-38f, 1e-39f, 1e-45f, 3e38f, 1e38f, 0.0039215689f };
        for (int i = 0; i < 40; i++) scales.Add((float)Math.Exp(rng.NextDouble() * 20 - 14));
        var v = new float[16];
        int lanes = 0, divided = 0;
        foreach (float s in scales)
        {
            var sv = System.Runtime.Intrinsics.Vector512.Create(s);
            float reciprocal = 1f / s;
            var rv = System.Runtime.Intrinsics.Vector512.Create(float.IsNormal(reciprocal) ? reciprocal : float.NaN);
            for (int trial = 0; trial < 400; trial++)
            {
                for (int lane = 0; lane < 16; lane++)
                {
                    double q = trial % 4 == 0 ? rng.Next(-2000, 2000) + 0.5 : trial % 4 == 1 ? rng.Next(-300, 300) : rng.NextDouble() * 600 - 300;
                    float x = (float)(q * s);
                    int steps = rng.Next(-3, 4);
                    for (int k = 0; k < Math.Abs(steps); k++) x = steps > 0 ? MathF.BitIncrement(x) : MathF.BitDecrement(x);
                    v[lane] = trial == 7 ? (lane switch { 0 => 0f, 1 => -0f, 2 => float.NaN, 3 => float.PositiveInfinity, 4 => float.NegativeInfinity, 5 => float.Epsilon, 6 => 1e-30f, _ => x }) : x;
                }
                var got = Int8Epilogue.RoundQuotient(System.Runtime.Intrinsics.Vector512.Create(v), sv, rv);
                for (int lane = 0; lane < 16; lane++)
                {
                    float expected = MathF.Round(v[lane] / s, MidpointRounding.ToEven);
                    float actual = got[lane];
                    lanes++;
                    if (expected == MathF.Round(v[lane] * reciprocal, MidpointRounding.ToEven) == false) divided++;
                    bool same = BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual)
                        || (MathF.Abs(v[lane] * reciprocal) >= 1024f && MathF.Sign(expected) == MathF.Sign(actual) && MathF.Abs(actual) >= 1000f && MathF.Abs(expected) >= 1000f)
                        || (float.IsNaN(expected) && float.IsNaN(actual));
                    if (!same)
                        throw new CheckFailedException($"Requantize rounding: v={v[lane]:R}, s={s:R}: division rounds to {expected:R}, the epilogue to {actual:R}");
                }
            }
        }
        if (divided == 0) throw new CheckFailedException($"Requantize rounding: none of {lanes} lanes rounded differently by the product, so the fallback went untested.");
    }

    private static void CompareGemm(int m, int n, int k, byte[] a, int lda, sbyte[] w, string context)
    {
        var expected = new int[m * n];
        NaiveInt8.Gemm(m, n, k, a, lda, w, expected, n);
        foreach (var path in Int8Paths.Supported())
        {
            var actual = new int[m * n];
            Array.Fill(actual, 12345); // C is overwritten, never added to
            Int8Gemm.Multiply(m, a, lda, Int8Weights.Pack(w, k, n, path), actual, n);
            Check.Equal<int>(expected, actual, $"Int8 GEMM {path} {context}");
        }
    }

    internal static Int8Output Output(int n, int seed, float inputScale, int zeroPoint)
    {
        var rng = new Random(seed);
        var scales = new float[n];
        for (int i = 0; i < n; i++) scales[i] = inputScale * (float)(0.001 + rng.NextDouble() * 0.01);
        float[]? bias = seed % 3 == 0 ? null : Check.Random(n, seed + 3);
        return new Int8Output(inputScale, zeroPoint, scales, bias, Relu: seed % 2 == 0);
    }

    /// <summary>Random bytes with the extremes 0 and 255 over-represented.</summary>
    internal static byte[] RandomBytes(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)(rng.Next(8) == 0 ? (rng.Next(2) * 255) : rng.Next(256));
        return data;
    }

    /// <summary>Random int8 weights in [−128, 127], the extremes over-represented.</summary>
    internal static sbyte[] RandomWeights(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new sbyte[length];
        for (int i = 0; i < length; i++) data[i] = (sbyte)(rng.Next(8) == 0 ? (rng.Next(2) == 0 ? -128 : 127) : rng.Next(-128, 128));
        return data;
    }
}
