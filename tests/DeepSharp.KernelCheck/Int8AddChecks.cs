using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The quantized Add (<see cref="Int8Add"/>) against its naive twin (TFLite's reference integer
/// arithmetic), bit for bit, on each vector width the process supports and the scalar path: odd
/// lengths, every pair of input bytes, grids from near-equal to 10⁶ apart, fused ReLU, and the
/// saturation at 0 and 255.
/// </summary>
public static unsafe class Int8AddChecks
{
    private static readonly int[] Widths = [0, 256, 512];

    public static void AddMatchesTwinOnEveryPathAndLength()
    {
        int seed = 0;
        foreach (int length in Check.AwkwardSizes.Concat([47, 48, 49, 1031]))
            foreach (var p in Parameters())
            {
                seed++;
                var a = Bytes(length, seed);
                var b = Bytes(length, seed + 1000);
                Compare(a, b, p, $"length {length} seed {seed}");
            }
    }

    public static void AddMatchesTwinOnEveryPairOfBytes()
    {
        // All 65,536 (a, b) pairs, each grid set: every rounding tie and both clamps are reached.
        var a = new byte[65536];
        var b = new byte[65536];
        for (int i = 0; i < a.Length; i++) (a[i], b[i]) = ((byte)(i >> 8), (byte)i);
        foreach (var p in Parameters()) Compare(a, b, p, "all pairs");
    }

    public static void AddSaturatesAtZeroAndTwoFiftyFive()
    {
        // Two inputs at their top on a coarse grid overflow a fine output grid: 255; at the bottom: 0 (or the ReLU's zero point).
        var p = Int8AddParameters.Create(0.5f, 0, 0.5f, 0, 0.01f, 10, relu: false);
        var top = Enumerable.Repeat((byte)255, 37).ToArray();
        Expect(top, top, p, 255, "top");
        var q = Int8AddParameters.Create(0.5f, 255, 0.25f, 255, 0.01f, 200, relu: false);
        var bottom = new byte[37];
        Expect(bottom, bottom, q, 0, "bottom");
        var r = Int8AddParameters.Create(0.5f, 255, 0.25f, 255, 0.01f, 200, relu: true);
        Expect(bottom, bottom, r, 200, "bottom with ReLU");
        // 0.0 + 0.0 lands exactly on the output zero point, on every grid.
        foreach (var g in Parameters())
            Expect([(byte)g.ZeroPointA], [(byte)g.ZeroPointB], g, Math.Max(g.OutputZeroPoint, g.Min), "zero + zero");
    }

    public static void AddIsWithinOneStepOfTheRealSum()
    {
        // The fixed-point form approximates round((sa·(a−za) + sb·(b−zb)) / so) + zo: never more than one step off.
        var rng = new Random(5);
        foreach (var (sa, za, sb, zb, so, zo) in Grids())
        {
            var p = Int8AddParameters.Create(sa, za, sb, zb, so, zo, relu: false);
            for (int t = 0; t < 2000; t++)
            {
                byte a = (byte)rng.Next(256), b = (byte)rng.Next(256);
                double real = Math.Clamp(Math.Round((sa * (double)(a - za) + sb * (double)(b - zb)) / so) + zo, 0, 255);
                byte got = Int8Add.One(a, b, p);
                if (Math.Abs(got - real) > 1)
                    throw new CheckFailedException($"Int8 add ({sa}, {za}) + ({sb}, {zb}) → ({so}, {zo}): {a} + {b} gave {got}, the real sum rounds to {real}");
            }
        }
    }

    public static void DequantizeMatchesTheFormula()
    {
        foreach (int length in Check.AwkwardSizes)
        {
            var q = Bytes(length, length + 3);
            var y = new float[length];
            fixed (byte* pq = q)
            fixed (float* py = y)
                Int8Add.Dequantize(pq, length, 0.0371f, 117, py);
            for (int i = 0; i < length; i++)
                if (BitConverter.SingleToInt32Bits(y[i]) != BitConverter.SingleToInt32Bits((q[i] - 117) * 0.0371f))
                    throw new CheckFailedException($"Int8 dequantize length {length}: at {i} got {y[i]}, expected {(q[i] - 117) * 0.0371f}");
        }
    }

    public static void ParametersRefuseBadGrids()
    {
        Throws(() => Int8AddParameters.Create(0f, 0, 1f, 0, 1f, 0, false), "scale 0");
        Throws(() => Int8AddParameters.Create(1f, 0, float.NaN, 0, 1f, 0, false), "NaN scale");
        Throws(() => Int8AddParameters.Create(1f, 256, 1f, 0, 1f, 0, false), "zero point 256");
        Throws(() => Int8AddParameters.Create(1f, 0, 1f, 0, 1e-7f, 0, false), "output scale 10⁻⁷ of the inputs'");
    }

    private static IEnumerable<(float, int, float, int, float, int)> Grids() =>
    [
        (0.02f, 0, 0.02f, 0, 0.04f, 0),           // equal grids, ReLU-ed inputs
        (0.0123f, 3, 0.0457f, 131, 0.05f, 97),     // unequal, signed data
        (0.1f, 128, 0.0001f, 7, 0.1f, 128),        // one input 1000× finer
        (1e-6f, 255, 1f, 0, 0.9f, 1),              // 10⁶ apart: the small one's multiplier is 2^-21
        (0.003f, 200, 0.0029f, 60, 0.00001f, 255), // a fine output grid: most sums clamp
        (0.5f, 17, 0.25f, 99, 3f, 40),             // a coarse output grid
    ];

    private static IEnumerable<Int8AddParameters> Parameters()
    {
        foreach (var (sa, za, sb, zb, so, zo) in Grids())
        {
            yield return Int8AddParameters.Create(sa, za, sb, zb, so, zo, relu: false);
            yield return Int8AddParameters.Create(sa, za, sb, zb, so, zo, relu: true);
        }
    }

    private static void Compare(byte[] a, byte[] b, Int8AddParameters p, string what)
    {
        var want = new byte[a.Length];
        NaiveInt8Add.Add(a, b, p, want);
        foreach (int width in Widths)
        {
            var got = new byte[a.Length + 1];
            got[^1] = 0xA5; // a guard byte past the end stays
            fixed (byte* pa = a)
            fixed (byte* pb = b)
            fixed (byte* py = got)
                Int8Add.Forward(pa, pb, a.Length, p, py, width);
            for (int i = 0; i < a.Length; i++)
                if (got[i] != want[i])
                    throw new CheckFailedException($"Int8 add {what} width {width} {p}: at {i} ({a[i]} + {b[i]}) got {got[i]}, expected {want[i]}");
            if (got[^1] != 0xA5) throw new CheckFailedException($"Int8 add {what} width {width}: wrote past the end");
        }
    }

    private static void Expect(byte[] a, byte[] b, Int8AddParameters p, int expected, string what)
    {
        Compare(a, b, p, what);
        var y = new byte[a.Length];
        NaiveInt8Add.Add(a, b, p, y);
        foreach (var v in y)
            if (v != expected) throw new CheckFailedException($"Int8 add {what}: got {v}, expected {expected}");
    }

    private static void Throws(Action run, string what)
    {
        try { run(); }
        catch (ArgumentOutOfRangeException) { return; }
        throw new CheckFailedException($"Int8 add parameters: {what} was accepted");
    }

    private static byte[] Bytes(int length, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        for (int i = 0; i < length; i += 5) bytes[i] = (byte)(i % 2 == 0 ? 0 : 255); // both extremes often
        return bytes;
    }
}
