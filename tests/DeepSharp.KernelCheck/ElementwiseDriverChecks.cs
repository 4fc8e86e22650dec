using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The elementwise driver against a plain loop over each operator's scalar <c>Invoke</c>, bit for
/// bit: every length 0..256 and large primes, spans at different misalignments, guards after each
/// span, and in place. At each instruction-set level this checks both the driver (indices, tails,
/// width steps) and every operator (its vector overloads give its scalar bits in every lane).
/// </summary>
public static class ElementwiseDriverChecks
{
    public static void UnaryOperatorsMatchTheirScalarForm()
    {
        Unary(default(ReluOperator), nameof(ReluOperator));
        Unary(default(GeluOperator), nameof(GeluOperator));
    }

    public static void BinaryOperatorsMatchTheirScalarForm()
    {
        Binary(default(AddOperator), nameof(AddOperator));
        Binary(default(ReluMaskOperator), nameof(ReluMaskOperator));
        Binary(default(SigmoidDerivativeOperator), nameof(SigmoidDerivativeOperator));
        Binary(default(TanhDerivativeOperator), nameof(TanhDerivativeOperator));
        Binary(new ScaledAddOperator(-0.37f), nameof(ScaledAddOperator));
        Binary(default(GeluBackwardOperator), nameof(GeluBackwardOperator));
    }

    public static void TernaryOperatorsMatchTheirScalarForm()
    {
        Ternary(default(ReluBackwardOperator), nameof(ReluBackwardOperator));
        Ternary(default(SigmoidBackwardOperator), nameof(SigmoidBackwardOperator));
        Ternary(default(TanhBackwardOperator), nameof(TanhBackwardOperator));
        Ternary(new SoftmaxBackwardOperator(0.61f), nameof(SoftmaxBackwardOperator));
        Ternary(new LogSoftmaxBackwardOperator(-1.3f), nameof(LogSoftmaxBackwardOperator));
        Ternary(new CrossEntropyBackwardOperator(0.25f, 1.75f), nameof(CrossEntropyBackwardOperator));
        Ternary(default(GeluBackwardAccumulateOperator), nameof(GeluBackwardAccumulateOperator));
    }

    public static void ShortOutputsAreRefused()
    {
        var x = new float[5];
        Refused(() => ElementwiseDriver.Map(default(ReluOperator), x, new float[4]), "unary d");
        Refused(() => ElementwiseDriver.Map(default(AddOperator), x, new float[4], new float[5]), "binary y");
        Refused(() => ElementwiseDriver.Map(default(TanhBackwardOperator), x, x, x, new float[4]), "ternary d");
        Refused(() => UpdateDriver.Update(new AdagradOperator(0.1f, 1e-7f), x, x, new float[4]), "update s1");
    }

    private static void Unary<T>(T op, string name) where T : struct, IUnaryOperator
    {
        foreach (int n in DriverData.Lengths)
            for (int variant = 0; variant < DriverData.Offsets.Length; variant++)
            {
                int ox = Offset(variant, 0), od = Offset(variant, 1);
                var x = DriverData.Buffer(n, ox, n + variant);
                var expected = new float[n];
                for (int i = 0; i < n; i++) expected[i] = op.Invoke(x[ox + i]);
                string context = $"{name} n={n} offsets=({ox},{od})";

                var d = DriverData.Buffer(n, od, 7 * n + 1);
                ElementwiseDriver.Map(op, x.AsSpan(ox, n), d.AsSpan(od, n));
                DriverData.Bits(expected, d.AsSpan(od, n), context);
                DriverData.CheckGuards(d, od, n, context);

                ElementwiseDriver.Map(op, x.AsSpan(ox, n), x.AsSpan(ox, n));
                DriverData.Bits(expected, x.AsSpan(ox, n), context + " in place");
                DriverData.CheckGuards(x, ox, n, context + " in place");
            }
    }

    private static void Binary<T>(T op, string name) where T : struct, IBinaryOperator
    {
        foreach (int n in DriverData.Lengths)
            for (int variant = 0; variant < DriverData.Offsets.Length; variant++)
            {
                int ox = Offset(variant, 0), oy = Offset(variant, 1), od = Offset(variant, 2);
                var x = DriverData.Buffer(n, ox, n + variant);
                var y = DriverData.Buffer(n, oy, 3 * n + variant);
                var expected = new float[n];
                for (int i = 0; i < n; i++) expected[i] = op.Invoke(x[ox + i], y[oy + i]);
                string context = $"{name} n={n} offsets=({ox},{oy},{od})";

                var d = DriverData.Buffer(n, od, 7 * n + 1);
                ElementwiseDriver.Map(op, x.AsSpan(ox, n), y.AsSpan(oy, n), d.AsSpan(od, n));
                DriverData.Bits(expected, d.AsSpan(od, n), context);
                DriverData.CheckGuards(d, od, n, context);

                ElementwiseDriver.Map(op, x.AsSpan(ox, n), y.AsSpan(oy, n), y.AsSpan(oy, n));
                DriverData.Bits(expected, y.AsSpan(oy, n), context + " in place");
                DriverData.CheckGuards(y, oy, n, context + " in place");
            }
    }

    private static void Ternary<T>(T op, string name) where T : struct, ITernaryOperator
    {
        foreach (int n in DriverData.Lengths)
            for (int variant = 0; variant < DriverData.Offsets.Length; variant++)
            {
                int ox = Offset(variant, 0), oy = Offset(variant, 1), oz = Offset(variant, 2), od = Offset(variant, 3);
                var x = DriverData.Buffer(n, ox, n + variant);
                var y = DriverData.Buffer(n, oy, 3 * n + variant);
                var z = DriverData.Buffer(n, oz, 5 * n + variant);
                var expected = new float[n];
                for (int i = 0; i < n; i++) expected[i] = op.Invoke(x[ox + i], y[oy + i], z[oz + i]);
                string context = $"{name} n={n} offsets=({ox},{oy},{oz},{od})";

                var d = DriverData.Buffer(n, od, 7 * n + 1);
                ElementwiseDriver.Map(op, x.AsSpan(ox, n), y.AsSpan(oy, n), z.AsSpan(oz, n), d.AsSpan(od, n));
                DriverData.Bits(expected, d.AsSpan(od, n), context);
                DriverData.CheckGuards(d, od, n, context);

                ElementwiseDriver.Map(op, x.AsSpan(ox, n), y.AsSpan(oy, n), z.AsSpan(oz, n), z.AsSpan(oz, n));
                DriverData.Bits(expected, z.AsSpan(oz, n), context + " in place");
                DriverData.CheckGuards(z, oz, n, context + " in place");
            }
    }

    internal static int Offset(int variant, int stream) => DriverData.Offsets[(variant + stream) % DriverData.Offsets.Length];

    internal static void Refused(Action call, string context)
    {
        try { call(); }
        catch (ArgumentException) { return; }
        throw new CheckFailedException($"{context}: a span shorter than the input was accepted");
    }
}
