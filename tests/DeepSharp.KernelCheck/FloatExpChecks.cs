using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// <see cref="FloatExp"/>: within its documented error bound of double precision's Math.Exp over the
/// whole unclamped range, the same bits at every vector width as the scalar form, and its limits.
/// </summary>
public static class FloatExpChecks
{
    /// <summary>Relative error bound (about 2.5 ulps of float).</summary>
    private const double RelativeBound = 3e-7;

    public static void WithinItsBoundOfDoublePrecision()
    {
        var xs = Arguments();
        var y = Run(xs);
        double worst = 0;
        float worstX = 0;
        for (int k = 0; k < xs.Length; k++)
        {
            double t = Math.Clamp(xs[k], FloatExp.Min, FloatExp.Max);
            double exact = Math.Exp(t);
            double error = Math.Abs(y[k] - exact) / exact;
            if (!(error <= RelativeBound))
                throw new CheckFailedException($"FloatExp({xs[k]:R}) = {y[k]:R}, exact {exact:R}: relative error {error:E3} is above the bound {RelativeBound:E1}.");
            if (error > worst) (worst, worstX) = (error, xs[k]);
        }
        if (worst == 0) throw new CheckFailedException($"FloatExp: not one rounding error over {xs.Length} arguments; the check compared nothing.");
        Console.WriteLine($"  FloatExp: worst relative error {worst:E2} at t = {worstX:R} over {xs.Length} arguments");
    }

    public static void EveryWidthGivesTheScalarBits()
    {
        var all = Arguments();
        foreach (int n in Check.AwkwardSizes.Append(all.Length))
        {
            var x = n == all.Length ? all : Check.Random(n, n + 11).Select(v => v * 90f).ToArray();
            var y = Run(x);
            for (int k = 0; k < n; k++)
            {
                float scalar = FloatExp.Of(x[k]);
                if (BitConverter.SingleToInt32Bits(scalar) != BitConverter.SingleToInt32Bits(y[k]))
                    throw new CheckFailedException($"FloatExp n={n}: element {k} (t = {x[k]:R}) is {y[k]:R} through the vector loop, {scalar:R} in scalar.");
            }
        }
    }

    public static void LimitsAndNaN()
    {
        var y = Run([0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e4f, -1e4f]);
        float low = (float)Math.Exp(FloatExp.Min), high = (float)Math.Exp(FloatExp.Max);
        if (y[0] != 1f || y[1] != 1f || !float.IsNaN(y[2]))
            throw new CheckFailedException($"FloatExp at 0, −0, NaN gave {y[0]}, {y[1]}, {y[2]}.");
        foreach (var (value, limit, name) in new[] { (y[3], high, "+∞"), (y[5], high, "1e4"), (y[4], low, "−∞"), (y[6], low, "−1e4") })
            if (Math.Abs(value - limit) > RelativeBound * limit || !float.IsNormal(value))
                throw new CheckFailedException($"FloatExp at {name} gave {value:R}; the clamp's value is {limit:R}.");
    }

    /// <summary>Dense over the unclamped range, every power of two, the clamps and beyond.</summary>
    private static float[] Arguments()
    {
        var xs = new List<float>();
        for (int k = -873_000; k <= 883_000; k += 7) xs.Add(k * 1e-4f);
        for (int e = -126; e <= 6; e++)
            foreach (float m in new[] { 1f, 1.37f, 1.999f })
            {
                xs.Add(m * MathF.Pow(2, e));
                xs.Add(-m * MathF.Pow(2, e));
            }
        foreach (float near in new[] { 0.3465736f, 87.3f, 88.3f, 88.7f, 100f })
            for (int d = -3; d <= 3; d++)
            {
                xs.Add(near + d * near * 1.2e-7f);
                xs.Add(-(near + d * near * 1.2e-7f));
            }
        return [.. xs];
    }

    private static unsafe float[] Run(float[] x)
    {
        var y = new float[x.Length];
        fixed (float* px = x, py = y)
            VectorLoop.For(new ExpLoop(px, py), x.Length);
        return y;
    }

    private readonly unsafe struct ExpLoop(float* x, float* y) : IVectorLoopBody
    {
        public void Invoke(nuint i) => y[i] = FloatExp.Of(x[i]);
        public void Invoke128(nuint i) => FloatExp.Of(Vector128.Load(x + i)).Store(y + i);
        public void Invoke256(nuint i) => FloatExp.Of(Vector256.Load(x + i)).Store(y + i);
        public void Invoke512(nuint i) => FloatExp.Of(Vector512.Load(x + i)).Store(y + i);
    }
}
