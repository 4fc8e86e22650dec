using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The LSTM cell's own sigmoid and tanh (<see cref="CellActivationMath"/>): within their documented
/// error bound of the double-precision twin over the whole float range that matters, and the same
/// bits at every vector width as the scalar definition.
/// </summary>
public static class CellActivationMathChecks
{
    /// <summary>Relative error bound (about 4 ulps of float); below TinyOutput an absolute one.</summary>
    private const double RelativeBound = 5e-7, TinyOutput = 1e-37;

    public static void SigmoidAndTanhWithinTheirBound()
    {
        var xs = Arguments();
        foreach (var f in new[] { CellActivation.Sigmoid, CellActivation.Tanh })
        {
            double worst = 0;
            float worstX = 0;
            var y = Run(f, xs);
            for (int k = 0; k < xs.Length; k++)
            {
                double exact = f == CellActivation.Tanh ? Math.Tanh(xs[k]) : 1.0 / (1.0 + Math.Exp(-(double)xs[k]));
                double error = Math.Abs(y[k] - exact);
                if (Math.Abs(exact) < TinyOutput ? error > TinyOutput : error > RelativeBound * Math.Abs(exact))
                    throw new CheckFailedException($"{f}({xs[k]:R}) = {y[k]:R}, exact {exact:R}: error {error:E3} is above the bound {RelativeBound:E1} relative.");
                if (Math.Abs(exact) >= TinyOutput && error / Math.Abs(exact) > worst) (worst, worstX) = (error / Math.Abs(exact), xs[k]);
            }
            if (worst == 0) throw new CheckFailedException($"{f}: not one rounding error over {xs.Length} arguments; the check compared nothing.");
            Console.WriteLine($"  {f}: worst relative error {worst:E2} at x = {worstX:R} over {xs.Length} arguments");
        }
    }

    public static void LimitsAndNaN()
    {
        foreach (var f in new[] { CellActivation.Sigmoid, CellActivation.Tanh })
        {
            var y = Run(f, [float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 1e4f, -1e4f]);
            float low = f == CellActivation.Tanh ? -1f : 0f;
            if (y[0] != 1f || Math.Abs(y[1] - low) > 1e-30f || !float.IsNaN(y[2]) || y[5] != 1f || Math.Abs(y[6] - low) > 1e-30f)
                throw new CheckFailedException($"{f}: at +∞, −∞, NaN, 1e4, −1e4 gave {y[0]}, {y[1]}, {y[2]}, {y[5]}, {y[6]}.");
            float zero = f == CellActivation.Tanh ? 0f : 0.5f;
            if (y[3] != zero || y[4] != zero || (f == CellActivation.Tanh && !float.IsNegative(y[4])))
                throw new CheckFailedException($"{f}: at ±0 gave {y[3]}, {y[4]}.");
        }
    }

    /// <summary>Through the vector loop (every width this process has, tails in scalar) against the scalar definition element by element.</summary>
    public static void EveryWidthGivesTheScalarBits()
    {
        var xs = Arguments();
        foreach (var f in Enum.GetValues<CellActivation>())
            foreach (int n in Check.AwkwardSizes.Append(xs.Length))
            {
                var x = n == xs.Length ? xs : Check.Random(n, n + 5).Select(v => v * 12f).ToArray();
                var y = Run(f, x);
                for (int k = 0; k < n; k++)
                {
                    float scalar = CellActivationMath.Apply(f, x[k]);
                    if (BitConverter.SingleToInt32Bits(scalar) != BitConverter.SingleToInt32Bits(y[k]) && !(float.IsNaN(scalar) && float.IsNaN(y[k])))
                        throw new CheckFailedException($"{f} n={n}: element {k} (x = {x[k]:R}) is {y[k]:R} through the vector loop, {scalar:R} in scalar.");
                }
                var twin = (float[])x.Clone();
                NaiveCellActivationKernel.Apply(f, twin);
                for (int k = 0; k < n; k++)
                    if (Math.Abs(twin[k] - y[k]) > RelativeBound * Math.Abs(twin[k]) + 1e-30)
                        throw new CheckFailedException($"{f} n={n}: element {k} (x = {x[k]:R}) is {y[k]:R}, the twin {twin[k]:R}.");
            }
    }

    /// <summary>Dense over [−12, 12] (where the gates live), every power of two, the tanh branch point, the exp clamps.</summary>
    private static float[] Arguments()
    {
        var xs = new List<float>();
        for (int k = -120_000; k <= 120_000; k++) xs.Add(k * 1e-4f);
        for (int e = -126; e <= 7; e++)
            foreach (float m in new[] { 1f, 1.37f, 1.999f })
            {
                xs.Add(m * MathF.Pow(2, e));
                xs.Add(-m * MathF.Pow(2, e));
            }
        foreach (float near in new[] { 0.35f, 0.175f, 43.65f, 44.15f, 87.3f, 88.3f, 88.7f, 100f })
            for (int d = -3; d <= 3; d++)
            {
                xs.Add(near + d * near * 1.2e-7f);
                xs.Add(-(near + d * near * 1.2e-7f));
            }
        return [.. xs];
    }

    private static unsafe float[] Run(CellActivation f, float[] x)
    {
        var y = new float[x.Length];
        fixed (float* px = x, py = y)
            VectorLoop.For(new ApplyLoop(f, px, py), x.Length);
        return y;
    }

    private readonly unsafe struct ApplyLoop(CellActivation f, float* x, float* y) : IVectorLoopBody
    {
        public void Invoke(nuint i) => y[i] = CellActivationMath.Apply(f, x[i]);
        public void Invoke128(nuint i) => CellActivationMath.Apply(f, Vector128.Load(x + i)).Store(y + i);
        public void Invoke256(nuint i) => CellActivationMath.Apply(f, Vector256.Load(x + i)).Store(y + i);
        public void Invoke512(nuint i) => CellActivationMath.Apply(f, Vector512.Load(x + i)).Store(y + i);
    }
}
