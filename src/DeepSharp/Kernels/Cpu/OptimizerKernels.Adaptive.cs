using System.Numerics;
using System.Runtime.InteropServices;

namespace DeepSharp.Kernels.Cpu;

public static partial class OptimizerKernels
{
    public static void RmsProp(Span<float> w, ReadOnlySpan<float> g, Span<float> v, Span<float> mom, Span<float> avg,
        float lr, float rho, float momentum, float epsilon, bool centered)
    {
        int n = w.Length;
        if (g.Length < n || v.Length < n || (momentum > 0f && mom.Length < n) || (centered && avg.Length < n))
            throw new ArgumentException($"RMSprop on {n} weights got {g.Length} gradients, {v.Length} velocities, {mom.Length} momenta, {avg.Length} averages.");
        float c = 1f - rho;
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pv = ref MemoryMarshal.GetReference(v);
        ref float pm = ref MemoryMarshal.GetReference(mom);
        ref float pa = ref MemoryMarshal.GetReference(avg);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> r = new(rho), k = new(c), rate = new(lr), mu = new(momentum), eps = new(epsilon);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref pg, (nuint)i);
                var vi = r * Vector.LoadUnsafe(ref pv, (nuint)i) + k * (gi * gi);
                vi.StoreUnsafe(ref pv, (nuint)i);
                Vector<float> d;
                if (centered)
                {
                    var ai = r * Vector.LoadUnsafe(ref pa, (nuint)i) + k * gi;
                    ai.StoreUnsafe(ref pa, (nuint)i);
                    d = vi - ai * ai + eps;
                }
                else
                {
                    d = vi + eps;
                }
                var inc = rate * gi / Vector.SquareRoot(d);
                var wi = Vector.LoadUnsafe(ref pw, (nuint)i);
                if (momentum > 0f)
                {
                    var mi = mu * Vector.LoadUnsafe(ref pm, (nuint)i) + inc;
                    mi.StoreUnsafe(ref pm, (nuint)i);
                    (wi - mi).StoreUnsafe(ref pw, (nuint)i);
                }
                else
                {
                    (wi - inc).StoreUnsafe(ref pw, (nuint)i);
                }
            }
        }
        if (i < n)
            Reference.NaiveOptimizers.RmsProp(w[i..], g[i..], v[i..], momentum > 0f ? mom[i..] : default, centered ? avg[i..] : default,
                lr, rho, momentum, epsilon, centered);
    }

    public static void Adagrad(Span<float> w, ReadOnlySpan<float> g, Span<float> acc, float lr, float epsilon)
    {
        int n = w.Length;
        if (g.Length < n || acc.Length < n)
            throw new ArgumentException($"Adagrad on {n} weights got {g.Length} gradients and {acc.Length} accumulators.");
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pa = ref MemoryMarshal.GetReference(acc);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> rate = new(lr), eps = new(epsilon);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref pg, (nuint)i);
                var ai = Vector.LoadUnsafe(ref pa, (nuint)i) + gi * gi;
                ai.StoreUnsafe(ref pa, (nuint)i);
                (Vector.LoadUnsafe(ref pw, (nuint)i) - rate * gi / Vector.SquareRoot(ai + eps)).StoreUnsafe(ref pw, (nuint)i);
            }
        }
        if (i < n) Reference.NaiveOptimizers.Adagrad(w[i..], g[i..], acc[i..], lr, epsilon);
    }

    public static void Nadam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float beta1, float beta2, float epsilon, float kM, float kG, float vDen)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n || v.Length < n)
            throw new ArgumentException($"Nadam on {n} weights got {g.Length} gradients, {m.Length} and {v.Length} moments.");
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pm = ref MemoryMarshal.GetReference(m);
        ref float pv = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> k1 = new(1f - beta1), k2 = new(1f - beta2), rate = new(lr), eps = new(epsilon), km = new(kM), kg = new(kG), vd = new(vDen);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref pg, (nuint)i);
                var mi = Vector.LoadUnsafe(ref pm, (nuint)i);
                mi += (gi - mi) * k1;
                var vi = Vector.LoadUnsafe(ref pv, (nuint)i);
                vi += (gi * gi - vi) * k2;
                mi.StoreUnsafe(ref pm, (nuint)i);
                vi.StoreUnsafe(ref pv, (nuint)i);
                var mHat = km * mi + kg * gi;
                (Vector.LoadUnsafe(ref pw, (nuint)i) - rate * mHat / (Vector.SquareRoot(vi / vd) + eps)).StoreUnsafe(ref pw, (nuint)i);
            }
        }
        if (i < n) Reference.NaiveOptimizers.Nadam(w[i..], g[i..], m[i..], v[i..], lr, beta1, beta2, epsilon, kM, kG, vDen);
    }
}
