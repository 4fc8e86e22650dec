using System.Runtime.Intrinsics.X86;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The integer Winograd F(4×4, 3×3) int8 convolution with its 2×2 pool (<see cref="Int8Winograd4"/>)
/// against two twins: a plain integer evaluation of the same transforms (long arithmetic, then the
/// int32 arithmetic modulo 2³² and the recovery by 9⁻¹), and the direct convolution's int32 sums
/// and bytes. Odd sizes (tiles past the pool's edge), pool row ranges starting on odd rows, input
/// channels 1 to 114 (primes, the 114 edge), output channels not a multiple of 16, zero points 0
/// and 255, inputs 0/255 with weights ±127/−128. Where AVX-512BW is absent (the child processes of
/// SimdPathTests) the kernel is not called, and the dispatch must not choose it.
/// </summary>
public static class Int8Winograd4Checks
{
    private static readonly int[,] Bt =
    {
        { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 }, { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
    };

    private static readonly int[,] At = { { 6, 4, 4, 1, 1, 0 }, { 0, 4, -4, 2, -2, 0 }, { 0, 4, 4, 4, 4, 0 }, { 0, 4, -4, 8, -8, 24 } };

    /// <summary>Whether the F(4×4) kernel can run on this CPU (the checks call it only there).</summary>
    private static bool Runs => Avx512BW.IsSupported;

    public static void Winograd4TransformsAreExactByHand()
    {
        // The plain evaluation: for random and extreme 6×6 windows over Cin channels, the long
        // A′ᵀ[Σ U′ ⊙ V]A′ is 576 × the direct sums, the operands stay within their int16 bounds, and
        // the int32 evaluation (wrapping) recovers the sums through 9⁻¹ while Cin ≤ 114.
        var rng = new Random(4444);
        foreach (int cin in new[] { 1, 2, 3, 31, 113, 114 })
            for (int trial = 0; trial < 6; trial++)
            {
                var d = new int[cin, 6, 6];
                var g = new int[cin, 3, 3];
                for (int c = 0; c < cin; c++)
                {
                    for (int i = 0; i < 36; i++) d[c, i / 6, i % 6] = trial switch { 0 => 255, 1 => 255, 2 => (i + c) % 2 * 255, _ => rng.Next(256) };
                    for (int i = 0; i < 9; i++) g[c, i / 3, i % 3] = trial switch { 0 => -128, 1 => 127, 2 => (i + c) % 2 == 0 ? -128 : 127, _ => rng.Next(-128, 128) };
                }
                var m = new long[6, 6];
                var m32 = new int[6, 6];
                for (int c = 0; c < cin; c++)
                {
                    var v = Transform(Bt, Bt, Slice(d, c, 6));
                    var u = Transform(Int8Winograd4Weights.G, Int8Winograd4Weights.G, Slice(g, c, 3));
                    for (int r = 0; r < 6; r++)
                        for (int s = 0; s < 6; s++)
                        {
                            if (Math.Abs(v[r, s]) > 25_500 || Math.Abs(u[r, s]) > 6_272)
                                throw new CheckFailedException($"Int8 Winograd F(4×4): |V| = {v[r, s]} or |U′| = {u[r, s]} past its bound");
                            m[r, s] += v[r, s] * u[r, s];
                            m32[r, s] = unchecked(m32[r, s] + (int)(v[r, s] * u[r, s]));
                        }
                }
                var y576 = Transform(At, At, m);
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                    {
                        long direct = 0;
                        for (int c = 0; c < cin; c++)
                            for (int a = 0; a < 3; a++)
                                for (int b = 0; b < 3; b++)
                                    direct += (long)d[c, i + a, j + b] * g[c, a, b];
                        if (y576[i, j] != 576 * direct)
                            throw new CheckFailedException($"Int8 Winograd F(4×4) Cin={cin} trial {trial}: A′ᵀMA′[{i}][{j}] = {y576[i, j]}, expected 576 · {direct}");
                        int r32 = 0;
                        for (int r = 0; r < 6; r++)
                            for (int s = 0; s < 6; s++)
                                r32 = unchecked(r32 + At[i, r] * At[j, s] * m32[r, s]);
                        int recovered = unchecked(r32 * Int8Winograd4Kernels.InverseOf9) >> 6;
                        if (recovered != direct)
                            throw new CheckFailedException($"Int8 Winograd F(4×4) Cin={cin} trial {trial}: int32 recovery gives {recovered}, expected {direct}");
                    }
            }
    }

    public static unsafe void Winograd4PooledSumsMatchDirectSums()
    {
        // The kernel's pooled int32 sums against the direct sums' pooled maxima (zero-point padding),
        // pool row ranges cut into 1–3 parts (so some start on odd rows).
        (int H, int W, int C, int F, bool Same)[] cases =
        [
            (13, 13, 32, 64, false), (13, 13, 1, 16, false), (12, 10, 2, 17, true), (9, 11, 3, 65, false), (7, 7, 31, 64, true),
            (10, 14, 33, 80, false), (6, 6, 47, 64, true), (11, 9, 97, 33, false), (8, 8, 113, 64, false), (9, 9, 114, 70, true),
            (3, 3, 32, 64, false), (4, 4, 64, 64, false), (22, 22, 32, 64, false), (24, 5, 35, 64, true),
            (5, 13, 37, 64, false), (13, 4, 5, 31, false), (3, 9, 2, 16, true), (17, 17, 61, 48, true), (11, 23, 89, 64, false),
        ];
        if (!Runs) return;
        int seed = 8000;
        foreach (var c in cases)
            foreach (int zero in new[] { 0, 255, 77 })
            {
                seed++;
                var g = Conv2DGeometry.Create(1, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
                var q = Int8Checks.RandomBytes(g.InputLength, seed);
                var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
                var expected = DirectPooledSums(g, pool, q, w, zero);
                var output = Int8Checks.Output(c.F, seed, 0.02f, zero);
                foreach (var path in Int8Paths.Supported())
                {
                    var packed = Int8Weights.Pack(w, 9 * c.C, c.F, path);
                    foreach (int parts in new[] { 1, 2, 3 })
                    {
                        var actual = new int[pool.OutputLength];
                        fixed (byte* pq = q)
                        fixed (int* ps = actual)
                            for (int part = 0; part < parts; part++)
                                Int8Winograd4.ImagePooledSums(g, pool, pq, packed, output, ps, pool.OutH * part / parts, pool.OutH * (part + 1) / parts);
                        Check.Equal<int>(expected, actual, $"Int8 Winograd F(4×4) pooled sums {path} {c} zero {zero}, {parts} parts");
                    }
                }
            }
    }

    public static unsafe void Winograd4IsExactAtTheExtremes()
    {
        // Inputs all 0 or 255 with the other extreme as zero point (Same padding reads it), weights
        // 127, −128 or alternating, 113 and 114 input channels: the largest |V|, |U′| and |Y| allowed.
        if (!Runs) return;
        foreach (int channels in new[] { 113, Int8Winograd4.MaxInC })
            foreach (byte input in new byte[] { 255, 0 })
                foreach (sbyte weight in new sbyte[] { 127, -128, 0 })
                {
                    const int f = 17;
                    var g = Conv2DGeometry.Create(1, 7, 6, channels, f, 3, 3, 1, 1, true);
                    var pool = Pool2DGeometry.Create(1, g.OutH, g.OutW, f, 2, 2, 2, 2, false);
                    var q = new byte[g.InputLength];
                    Array.Fill(q, input);
                    var w = new sbyte[9 * channels * f];
                    for (int i = 0; i < w.Length; i++) w[i] = weight != 0 ? weight : (sbyte)(i / f % 2 == 0 ? 127 : -128);
                    int zero = 255 - input;
                    var expected = DirectPooledSums(g, pool, q, w, zero);
                    var output = new Int8Output(1f, zero, Enumerable.Repeat(1f, f).ToArray(), null, false);
                    var packed = Int8Weights.Pack(w, 9 * channels, f, Int8Paths.Best);
                    var actual = new int[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (int* ps = actual)
                        Int8Winograd4.ImagePooledSums(g, pool, pq, packed, output, ps, 0, pool.OutH);
                    Check.Equal<int>(expected, actual, $"Int8 Winograd F(4×4) extremes Cin={channels} input {input} weight {weight}");
                }
    }

    public static unsafe void Winograd4BytesMatchTwinAndDispatch()
    {
        // u8 → u8 through the epilogue, against the naive convolution, quantization and pool; the same
        // through Int8ConvPool.Forward (which must choose F(4×4) where it applies, F(2×2) past 114 channels).
        (int B, int H, int W, int C, int F, bool Same)[] cases =
        [
            (2, 13, 13, 32, 64, false), (1, 12, 10, 33, 65, false), (2, 7, 9, 40, 64, true), (1, 9, 9, 114, 64, false), (1, 9, 9, 115, 64, true),
        ];
        int seed = 8500;
        foreach (var c in cases)
        {
            seed++;
            var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
            var pool = Pool2DGeometry.Create(c.B, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
            var q = Int8Checks.RandomBytes(g.InputLength, seed);
            var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
            var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 256);
            var floats = new float[g.OutputLength];
            NaiveInt8.Conv2D(g, q, w, output, floats);
            var expected = new byte[pool.OutputLength];
            NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, 0.004f, 7), expected);
            foreach (var path in Int8Paths.Supported())
            {
                var packed = Int8Weights.Pack(w, 9 * c.C, c.F, path);
                var one = g with { Batch = 1 };
                var onePool = pool with { Batch = 1 };
                bool should = Avx512BW.IsSupported && path is Int8Path.Vnni256 or Int8Path.MultiplyAdd512 && c.C <= Int8Winograd4.MaxInC;
                if (Int8Winograd4.AppliesPooled(one, onePool, packed) != should)
                    throw new CheckFailedException($"Int8 Winograd F(4×4) {path} {c}: AppliesPooled is {!should}, expected {should}");
                if (should)
                {
                    var direct = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = direct)
                        for (int b = 0; b < c.B; b++)
                            Int8Winograd4.ImagePooled(one, onePool, pq + (long)b * one.InputLength, packed, output, 0.004f, 7, py + (long)b * onePool.OutputLength, 0, onePool.OutH);
                    Check.Equal<byte>(expected, direct, $"Int8 Winograd F(4×4) bytes {path} {c}");
                }
                foreach (int parts in new[] { 1, 2 })
                {
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        Int8ConvPool.Forward(g, pool, pq, packed, output, 0.004f, 7, py, parts);
                    Check.Equal<byte>(expected, actual, $"Int8 conv + pool dispatch {path} {c}, {parts} parts");
                }
            }
        }
    }

    public static unsafe void Winograd4WindowsInPlaceAndAcrossEdges()
    {
        // The 6×6 windows read in place inside the image, copied with the zero point around them across
        // its edges (Same padding, odd sizes, tiles past the pool's edge), and an odd last pool row by
        // F(2×2) read in place (no padding) or from F(2×2)'s frame (padding): u8 bytes against the naive
        // convolution, quantization and pool, pool row ranges in 1–3 parts, inputs and zero points at
        // 0/255 with weights ±127/−128 beside random ones.
        (int H, int W, int C, int F, bool Same)[] cases =
        [
            (13, 13, 32, 64, false), (12, 12, 1, 16, false), (11, 7, 3, 17, true), (9, 13, 33, 64, false), (13, 11, 113, 65, true),
            (6, 9, 114, 16, false), (10, 10, 7, 64, true), (5, 5, 32, 64, false), (15, 6, 2, 33, false),
        ];
        if (!Runs) return;
        int seed = 8700;
        foreach (var c in cases)
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
                var packed = Int8Weights.Pack(w, 9 * c.C, c.F, Int8Paths.Best);
                if (!Int8Winograd4.AppliesPooled(g, pool, packed)) continue; // no fast path packed here
                foreach (int parts in new[] { 1, 2, 3 })
                {
                    var actual = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        for (int part = 0; part < parts; part++)
                            Int8Winograd4.ImagePooled(g, pool, pq, packed, output, 0.004f, 7, py, pool.OutH * part / parts, pool.OutH * (part + 1) / parts);
                    Check.Equal<byte>(expected, actual, $"Int8 Winograd F(4×4) windows {c} mode {mode}, {parts} parts");
                }
            }
    }

    public static unsafe void Winograd4UnpooledMatchesTwin()
    {
        // The form without a pool (Int8Winograd4.Image, where VNNI is absent: the residual CNN's 16 → 16 and
        // 16 → 32 layers): floats and u8 against the naive convolution and quantization, input channels
        // 1 to 114 (16-channel rests in place and byte-copied, 17–31 rests, whole 32s), output channels
        // around the 16-channel tile, sizes leaving partial tiles at the right and bottom, Same padding
        // with zero points 0, 255 and between, batches 0–3; and through Int8Conv2D.Forward on every path.
        (int B, int H, int W, int C, int F, bool Same)[] cases =
        [
            (2, 28, 28, 16, 16, true), (1, 14, 14, 16, 32, false), (1, 5, 7, 1, 16, true), (3, 9, 6, 2, 17, false), (1, 13, 13, 15, 31, true),
            (1, 1, 1, 16, 16, true), (1, 3, 3, 16, 16, false), (1, 11, 17, 17, 48, true), (2, 7, 10, 31, 33, false), (1, 12, 12, 32, 64, true),
            (1, 6, 9, 33, 16, true), (1, 10, 5, 48, 80, false), (1, 8, 8, 114, 20, true), (0, 6, 6, 16, 16, true), (1, 2, 30, 16, 16, true),
        ];
        int seed = 8900;
        foreach (var c in cases)
            foreach (int zero in new[] { 0, 255, 91 })
            {
                seed++;
                var g = Conv2DGeometry.Create(c.B, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                var q = Int8Checks.RandomBytes(g.InputLength, seed);
                var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
                var output = Int8Checks.Output(c.F, seed, 0.02f, zero);
                var floats = new float[g.OutputLength];
                NaiveInt8.Conv2D(g, q, w, output, floats);
                var expected = NaiveInt8.Quantize(floats, 0.004f, 7);
                foreach (var path in Int8Paths.Supported())
                {
                    var packed = Int8Weights.Pack(w, 9 * c.C, c.F, path);
                    var one = g with { Batch = 1 };
                    bool should = Avx512BW.IsSupported && path == Int8Path.MultiplyAdd512 && c.C >= Int8Winograd4.MinSmallInC;
                    if (Int8Winograd4.Applies(one, packed) != should)
                        throw new CheckFailedException($"Int8 Winograd F(4×4) {path} {c}: Applies is {!should}, expected {should}");
                    if (Runs && path is Int8Path.Vnni256 or Int8Path.MultiplyAdd512)
                    {
                        // Called directly (also below 16 channels, which the dispatch leaves to the direct kernels).
                        var direct = new float[g.OutputLength];
                        fixed (byte* pq = q)
                        fixed (float* py = direct)
                            for (int b = 0; b < c.B; b++)
                                Int8Winograd4.Image(one, pq + (long)b * one.InputLength, packed, output, Int8Destination.ToFloats(py), (long)b * g.OutH * g.OutW);
                        Check.Equal<float>(floats, direct, $"Int8 Winograd F(4×4) unpooled floats {path} {c} zero {zero}");
                    }
                    var actual = new byte[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = actual)
                        Int8Conv2D.Forward(g, pq, packed, output, Int8Destination.ToBytes(py, 0.004f, 7));
                    Check.Equal<byte>(expected, actual, $"Int8 conv dispatch {path} {c} zero {zero}");
                }
            }
    }

    public static unsafe void Winograd4UnpooledIsExactAtTheExtremes()
    {
        // Inputs all 0 or 255 with the other extreme as zero point (Same padding reads it), weights 127,
        // −128 or alternating, 16 and 114 input channels: the largest |V|, |U′| and |Y| in the unpooled form.
        if (!Runs) return;
        foreach (int channels in new[] { 16, Int8Winograd4.MaxInC })
            foreach (byte input in new byte[] { 255, 0 })
                foreach (sbyte weight in new sbyte[] { 127, -128, 0 })
                {
                    const int f = 17;
                    var g = Conv2DGeometry.Create(1, 7, 6, channels, f, 3, 3, 1, 1, true);
                    var q = new byte[g.InputLength];
                    Array.Fill(q, input);
                    var w = new sbyte[9 * channels * f];
                    for (int i = 0; i < w.Length; i++) w[i] = weight != 0 ? weight : (sbyte)(i / f % 2 == 0 ? 127 : -128);
                    var output = new Int8Output(1f, 255 - input, Enumerable.Repeat(1f, f).ToArray(), null, false);
                    var expected = new float[g.OutputLength];
                    NaiveInt8.Conv2D(g, q, w, output, expected);
                    var packed = Int8Weights.Pack(w, 9 * channels, f, Int8Paths.Best);
                    if (packed.Path is not (Int8Path.Vnni256 or Int8Path.MultiplyAdd512)) return;
                    var actual = new float[g.OutputLength];
                    fixed (byte* pq = q)
                    fixed (float* py = actual)
                        Int8Winograd4.Image(g, pq, packed, output, Int8Destination.ToFloats(py), 0);
                    Check.Equal<float>(expected, actual, $"Int8 Winograd F(4×4) unpooled extremes Cin={channels} input {input} weight {weight}");
                }
    }

    public static unsafe void Winograd4GroupMatchesTwin()
    {
        // Several images at once with the mixed edge tiles (Int8Winograd4Group, where VNNI is absent): u8 bytes
        // against the naive convolution, quantization and pool, groups of 1–5 images, pools with odd and even
        // rows and columns (1 × 1 to 7 × 7 cells: edge kinds alone, corners alone), Same padding with zero
        // points 0, 255 and between, 1 to 114 input channels, output channels around the 16-channel tile.
        (int H, int W, int C, int F, bool Same)[] cases =
        [
            (13, 13, 32, 64, false), (14, 14, 16, 32, false), (12, 12, 16, 16, true), (4, 4, 32, 64, false), (5, 7, 17, 33, false),
            (7, 5, 33, 16, true), (11, 9, 1, 17, false), (6, 6, 114, 20, true), (15, 15, 31, 48, false), (9, 13, 48, 80, true),
        ];
        if (!Runs) return;
        // A large image goes one at a time (Int8Winograd4 blocks its tile rows): a group would keep every product.
        var large = Conv2DGeometry.Create(8, 114, 114, 32, 64, 3, 3, 1, 1, false);
        var largePool = Pool2DGeometry.Create(8, large.OutH, large.OutW, 64, 2, 2, 2, 2, false);
        if (Int8Winograd4Group.Applies(large, largePool, Int8Weights.Pack(new sbyte[9 * 32 * 64], 9 * 32, 64, Int8Paths.Best)))
            throw new CheckFailedException($"Int8 Winograd F(4×4) group: applies to {large.InH}×{large.InW} images, past its product budget");
        int seed = 9100;
        foreach (var c in cases)
            foreach (int count in new[] { 1, 2, 3, 5 })
            {
                seed++;
                var g = Conv2DGeometry.Create(count, c.H, c.W, c.C, c.F, 3, 3, 1, 1, c.Same);
                var pool = Pool2DGeometry.Create(count, g.OutH, g.OutW, c.F, 2, 2, 2, 2, false);
                var q = Int8Checks.RandomBytes(g.InputLength, seed);
                if (seed % 4 == 0) Array.Fill(q, (byte)255);
                var w = Int8Checks.RandomWeights(9 * c.C * c.F, seed + 1);
                var output = Int8Checks.Output(c.F, seed, 0.02f, seed % 3 == 0 ? 0 : seed % 3 == 1 ? 255 : 91);
                var floats = new float[g.OutputLength];
                NaiveInt8.Conv2D(g, q, w, output, floats);
                var expected = new byte[pool.OutputLength];
                NaiveInt8.MaxPool2D(pool, NaiveInt8.Quantize(floats, 0.004f, 7), expected);
                foreach (var path in Int8Paths.Supported())
                {
                    var packed = Int8Weights.Pack(w, 9 * c.C, c.F, path);
                    bool should = path == Int8Path.MultiplyAdd512 && Int8Winograd4.AppliesPooled(g with { Batch = 1 }, pool with { Batch = 1 }, packed);
                    if (Int8Winograd4Group.Applies(g, pool, packed) != should)
                        throw new CheckFailedException($"Int8 Winograd F(4×4) group {path} {c}: Applies is {!should}, expected {should}");
                    if (path is Int8Path.Vnni256 or Int8Path.MultiplyAdd512)
                    {
                        var actual = new byte[pool.OutputLength];
                        fixed (byte* pq = q)
                        fixed (byte* py = actual)
                            Int8Winograd4Group.Pooled(g with { Batch = 1 }, pool with { Batch = 1 }, pq, count, packed, output, 0.004f, 7, py);
                        Check.Equal<byte>(expected, actual, $"Int8 Winograd F(4×4) group of {count} {path} {c}");
                    }
                    var dispatched = new byte[pool.OutputLength];
                    fixed (byte* pq = q)
                    fixed (byte* py = dispatched)
                        Int8ConvPool.Forward(g, pool, pq, packed, output, 0.004f, 7, py, 1);
                    Check.Equal<byte>(expected, dispatched, $"Int8 conv + pool dispatch, batch {count}, {path} {c}");
                }
            }
    }

    /// <summary>The direct sums Σ d · g (padding = the zero point) pooled 2×2 by max, as int32.</summary>
    private static int[] DirectPooledSums(in Conv2DGeometry g, in Pool2DGeometry pool, byte[] q, sbyte[] w, int zero)
    {
        int n = g.OutC;
        var sums = new int[g.OutH * g.OutW * n];
        for (int oh = 0; oh < g.OutH; oh++)
            for (int ow = 0; ow < g.OutW; ow++)
                for (int o = 0; o < n; o++)
                {
                    long s = 0;
                    for (int a = 0; a < 3; a++)
                        for (int b = 0; b < 3; b++)
                        {
                            int ih = oh + a - g.PadTop, iw = ow + b - g.PadLeft;
                            bool inside = ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW;
                            for (int c = 0; c < g.InC; c++)
                                s += (long)(inside ? q[(ih * g.InW + iw) * g.InC + c] : zero) * w[((a * 3 + b) * g.InC + c) * n + o];
                        }
                    sums[(oh * g.OutW + ow) * n + o] = checked((int)s);
                }
        var pooled = new int[pool.OutputLength];
        for (int ph = 0; ph < pool.OutH; ph++)
            for (int pw = 0; pw < pool.OutW; pw++)
                for (int o = 0; o < n; o++)
                {
                    int best = int.MinValue;
                    for (int a = 0; a < 2; a++)
                        for (int b = 0; b < 2; b++)
                            best = Math.Max(best, sums[((2 * ph + a) * g.OutW + 2 * pw + b) * n + o]);
                    pooled[(ph * pool.OutW + pw) * n + o] = best;
                }
        return pooled;
    }

    private static long[,] Slice(int[,,] x, int c, int size)
    {
        var s = new long[size, size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
                s[i, j] = x[c, i, j];
        return s;
    }

    /// <summary>L x Rᵀ in long arithmetic.</summary>
    private static long[,] Transform(int[,] l, int[,] r, long[,] x)
    {
        int rows = l.GetLength(0), cols = r.GetLength(0), k = x.GetLength(0);
        var y = new long[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                        y[i, j] += l[i, a] * x[a, b] * r[j, b];
        return y;
    }
}
