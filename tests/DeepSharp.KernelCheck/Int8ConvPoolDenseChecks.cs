using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The convolution + pool cut by output channels with the Dense that reads its pooled image in the same
/// parts (<see cref="Int8ConvPoolDense"/>, a batch-1 team's stage on CPUs without AVX-VNNI): the packed
/// bytes of each part against the same channels of the whole image, the Dense's rows regrouped by
/// channel (<see cref="Int8DenseRowShares"/>) against the whole Dense's int32 sums, and the two stages
/// run by a team of 1–3 threads against the naive convolution, quantization, pool and Dense (floats
/// and bytes out), batches 1–3, 2–4 parts, odd sizes, Cout not a multiple of 16, Dense widths 1–40.
/// </summary>
public static class Int8ConvPoolDenseChecks
{
    private static readonly (int H, int W, int C, int F, bool Same, int Units)[] Cases =
    [
        (13, 13, 32, 64, false, 10), (13, 13, 1, 16, false, 1), (12, 10, 2, 17, true, 33), (9, 11, 3, 65, false, 16), (7, 7, 31, 64, true, 40),
        (6, 6, 47, 48, true, 7), (3, 3, 32, 64, false, 10), (11, 9, 97, 33, false, 17), (4, 4, 64, 128, false, 32),
    ];

    public static unsafe void PackedPartsMatchTheWholeImage()
    {
        if (!Avx512BW.IsSupported) return; // the kernel needs AVX-512BW (Applies says false without it)
        int seed = 9900;
        foreach (var c in Cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(1, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
            var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
            var q = Int8Checks.RandomBytes(g.InputLength, seed);
            var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
            var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 256);
            var packed = Int8Weights.Pack(w, 9 * c.C, c.F, Int8Path.MultiplyAdd512);
            var whole = new byte[pool.OutputLength];
            fixed (byte* pq = q)
            fixed (byte* pw = whole)
                Int8Winograd4.ImagePooled(g, pool, pq, packed, output, 0.004f, 7, pw, 0, pool.OutH);
            int cells = pool.OutH * pool.OutW;
            for (int parts = 1; parts <= Math.Min(4, packed.Tiles); parts++)
                for (int part = 0; part < parts; part++)
                {
                    var (t0, t1) = Int8Winograd4Channels.Share(packed.Tiles, part, parts);
                    var (c0, count) = Int8Winograd4Channels.Channels(c.F, t0, t1);
                    var actual = new byte[cells * count + 64];
                    Array.Fill(actual, (byte)0xA5);
                    fixed (byte* pq = q)
                    fixed (byte* pa = actual)
                        Int8Winograd4Channels.ImagePooledPacked(g, pool, pq, packed, output, 0.004f, 7, pa, t0, t1);
                    var expected = new byte[cells * count];
                    for (int cell = 0; cell < cells; cell++)
                        whole.AsSpan(cell * c.F + c0, count).CopyTo(expected.AsSpan(cell * count, count));
                    Check.Equal<byte>(expected, actual.AsSpan(0, cells * count).ToArray(), $"Int8 Winograd F(4×4) by channels, packed bytes {c}, part {part} of {parts}");
                    for (int i = cells * count; i < actual.Length; i++)
                        if (actual[i] != 0xA5) throw new CheckFailedException($"Int8 Winograd F(4×4) by channels, packed bytes {c}, part {part} of {parts}: byte {i} past the part's {cells * count} written");
                }
        }
    }

    public static unsafe void RowSharesAddUpToTheWholeDense()
    {
        int seed = 9950;
        (int Cells, int Channels, int Units)[] shapes = [(25, 64, 10), (1, 16, 1), (9, 17, 33), (4, 65, 16), (7, 48, 40)];
        foreach (var s in shapes)
            foreach (var path in Int8Paths.Supported())
            {
                seed++;
                int k = s.Cells * s.Channels;
                var w = Int8Checks.RandomWeights(k * s.Units, seed);
                var q = Int8Checks.RandomBytes(k, seed + 1);
                for (int i = 0; i < q.Length; i += 3) q[i] = 0; // zeros among the bytes, as after a ReLU
                var expected = new int[s.Units];
                NaiveInt8.Gemm(1, s.Units, k, q, k, w, expected, s.Units);
                var packed = Int8Weights.Pack(w, k, s.Units, path);
                int tiles = (s.Channels + 15) / 16;
                for (int parts = 1; parts <= Math.Min(4, tiles); parts++)
                {
                    var ranges = new (int C0, int C1)[parts];
                    for (int p = 0; p < parts; p++)
                    {
                        var (t0, t1) = Int8Winograd4Channels.Share(tiles, p, parts);
                        var (c0, count) = Int8Winograd4Channels.Channels(s.Channels, t0, t1);
                        ranges[p] = (c0, c0 + count);
                    }
                    var shares = Int8DenseRowShares.Of(packed, s.Cells, s.Channels, ranges);
                    if (!ReferenceEquals(shares, Int8DenseRowShares.Of(packed, s.Cells, s.Channels, ranges)))
                        throw new CheckFailedException($"Int8 Dense rows by channel {s}: the shares were made twice for the same cut");
                    var actual = new int[s.Units];
                    for (int p = 0; p < parts; p++)
                    {
                        var (c0, c1) = ranges[p];
                        var bytes = new byte[s.Cells * (c1 - c0) + Int8Gemm.Slack];
                        for (int cell = 0; cell < s.Cells; cell++) q.AsSpan(cell * s.Channels + c0, c1 - c0).CopyTo(bytes.AsSpan(cell * (c1 - c0)));
                        var partial = new int[s.Units];
                        fixed (byte* pb = bytes)
                        fixed (int* pp = partial)
                            Int8Gemm.MultiplyRows(pb, shares.Shares[p].K, 1, shares.Shares[p], pp, s.Units, readable: true);
                        for (int j = 0; j < s.Units; j++) actual[j] += partial[j];
                    }
                    Check.Equal<int>(expected, actual, $"Int8 Dense rows by channel {path} {s}, {parts} parts");
                }
            }
        var bad = Int8Weights.Pack(Int8Checks.RandomWeights(64 * 3, 1), 64, 3, Int8Path.Scalar);
        foreach (var ranges in new[] { new[] { (0, 16), (17, 32) }, [(0, 16)], [(0, 40)], [(0, 0), (0, 32)] })
        {
            try
            {
                Int8DenseRowShares.Of(bad, 2, 32, ranges);
            }
            catch (ArgumentException)
            {
                continue;
            }
            throw new CheckFailedException($"Int8 Dense rows by channel: the ranges {string.Join(", ", ranges)} of 32 channels were taken");
        }
    }

    public static unsafe void ConvPoolDenseMatchesTwin()
    {
        if (!Avx512BW.IsSupported) return;
        int seed = 9980;
        foreach (var c in Cases)
            foreach (int batch in new[] { 1, 3 })
                foreach (bool floats in new[] { true, false })
                {
                    seed++;
                    var g = Conv2DGeometry.Create(batch, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                    var pool = Pool2DGeometry.Create(batch, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
                    int k = pool.OutH * pool.OutW * c.F;
                    var q = Int8Checks.RandomBytes(g.InputLength, seed);
                    var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
                    int convZero = seed % 256, denseZero = (seed * 7) % 256;
                    const float convScale = 0.004f;
                    var output = Int8Checks.Output(c.F, seed, 0.02f, convZero);
                    var dw = Int8Checks.RandomWeights(k * c.Units, seed + 2);
                    var denseOutput = Int8Checks.Output(c.Units, seed + 3, convScale, denseZero) with { Relu = seed % 2 == 0 };
                    // The twin: naive convolution, quantize on the Dense's grid, pool, naive Dense (then quantized when bytes go out).
                    var convFloats = new float[g.OutputLength];
                    NaiveInt8.Conv2D(g, q, w, output, convFloats);
                    var pooled = new byte[pool.OutputLength];
                    NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(convFloats, convScale, denseZero), pooled);
                    var expectedFloats = new float[batch * c.Units];
                    NaiveInt8.Linear(batch, c.Units, k, pooled, dw, denseOutput, expectedFloats);
                    var packed = Int8Weights.Pack(w, 9 * c.C, c.F, Int8Path.MultiplyAdd512);
                    var densePacked = Int8Weights.Pack(dw, k, c.Units, Int8Path.MultiplyAdd512);
                    for (int parts = 2; parts <= Math.Min(4, packed.Tiles); parts++)
                        foreach (int threads in new[] { 1, 2, 3 })
                        {
                            if (!Int8ConvPoolDense.Applies(g, pool, packed, parts, densePacked))
                            {
                                // Only where F(4×4) by channels runs (its own conditions on the input channels); the convnet's layer must.
                                if (c.C == 32 && c.H == 13) throw new CheckFailedException($"Int8 conv + pool + Dense {c}: does not apply in {parts} parts");
                                continue;
                            }
                            var actualFloats = new float[batch * c.Units];
                            var actualBytes = new byte[batch * c.Units];
                            fixed (byte* pq = q)
                            fixed (float* pf = actualFloats)
                            fixed (byte* pb = actualBytes)
                            {
                                var team = Int8Team.Begin(threads);
                                var destination = floats ? Int8Destination.ToFloats(pf) : Int8Destination.ToBytes(pb, 0.05f, 11);
                                Int8ConvPoolDense.Forward(g, pool, pq, packed, output, convScale, denseZero, densePacked, denseOutput, destination, parts, team);
                                team.Run();
                            }
                            string what = $"Int8 conv + pool + Dense {c}, batch {batch}, {parts} parts, {threads} threads";
                            if (floats) Check.Equal<float>(expectedFloats, actualFloats, what);
                            else Check.Equal<byte>(NaiveInt8.Quantize(expectedFloats, 0.05f, 11), actualBytes, what + ", bytes");
                        }
                }
    }

    public static void ConvPoolDenseIsChosenOnlyWhereItRuns()
    {
        var g = Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, false);
        var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, 64, 2, 2, 2, 2, false);
        var w = Int8Checks.RandomWeights(9 * 32 * 64, 9990);
        var dw = Int8Checks.RandomWeights(1600 * 10, 9991);
        foreach (var path in Int8Paths.Supported())
        {
            var packed = Int8Weights.Pack(w, 9 * 32, 64, path);
            var dense = Int8Weights.Pack(dw, 1600, 10, path);
            var shortDense = Int8Weights.Pack(dw, 1599, 10, path);
            foreach (int parts in new[] { 1, 2, 3, 4, 5 })
            {
                bool expected = path == Int8Path.MultiplyAdd512 && Avx512BW.IsSupported && parts is > 1 and <= 4;
                if (Int8ConvPoolDense.Applies(g, pool, packed, parts, dense) != expected)
                    throw new CheckFailedException($"Int8 conv + pool + Dense {path}, {parts} parts: Applies is {!expected}, expected {expected}");
                if (Int8ConvPoolDense.Applies(g, pool, packed, parts, shortDense))
                    throw new CheckFailedException($"Int8 conv + pool + Dense {path}, {parts} parts: applies to a Dense of K 1599 after 1600 pooled bytes");
            }
        }
    }
}
