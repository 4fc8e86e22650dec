using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

internal static partial class OptimizerKernels
{
    public static void RmsProp(Span<float> w, ReadOnlySpan<float> g, Span<float> v, Span<float> mom, Span<float> avg,
        float lr, float rho, float oneMinusRho, float momentum, float epsilon, bool centered)
    {
        int n = w.Length;
        if (g.Length < n || v.Length < n || (momentum > 0f && mom.Length < n) || (centered && avg.Length < n))
            throw new ArgumentException($"RMSprop on {n} weights got {g.Length} gradients, {v.Length} velocities, {mom.Length} momenta, {avg.Length} averages.");
        bool withMomentum = momentum > 0f;
        if (centered)
        {
            var op = new CenteredRmsPropOperator(lr, rho, oneMinusRho, momentum, epsilon);
            if (withMomentum) UpdateDriver.Update(op, w, g, v, avg, mom);
            else UpdateDriver.Update(op, w, g, v, avg);
        }
        else
        {
            var op = new RmsPropOperator(lr, rho, oneMinusRho, momentum, epsilon);
            if (withMomentum) UpdateDriver.Update(op, w, g, v, mom);
            else UpdateDriver.Update(op, w, g, v);
        }
    }

    public static void Adagrad(Span<float> w, ReadOnlySpan<float> g, Span<float> acc, float lr, float epsilon)
    {
        int n = w.Length;
        if (g.Length < n || acc.Length < n)
            throw new ArgumentException($"Adagrad on {n} weights got {g.Length} gradients and {acc.Length} accumulators.");
        UpdateDriver.Update(new AdagradOperator(lr, epsilon), w, g, acc);
    }

    public static void Nadam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, NadamStep step)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n || v.Length < n)
            throw new ArgumentException($"Nadam on {n} weights got {g.Length} gradients, {m.Length} and {v.Length} moments.");
        UpdateDriver.Update(new NadamOperator(step), w, g, m, v);
    }
}
