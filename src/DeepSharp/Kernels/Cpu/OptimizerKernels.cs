using System.Numerics;
using System.Runtime.InteropServices;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Fused parameter updates; see <see cref="NaiveOptimizers"/> for the exact contract. Vectorised
/// with the twin's operations in the twin's order (no fused multiply-add), so the results are
/// bit-identical to it.
/// </summary>
public static partial class OptimizerKernels
{
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lrT, float beta1, float beta2, float epsilon)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n || v.Length < n)
            throw new ArgumentException($"Adam on {n} weights got {g.Length} gradients, {m.Length} and {v.Length} moments.");
        float c1 = 1f - beta1, c2 = 1f - beta2;
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pm = ref MemoryMarshal.GetReference(m);
        ref float pv = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> b1 = new(beta1), b2 = new(beta2), k1 = new(c1), k2 = new(c2), lr = new(lrT), eps = new(epsilon);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref pg, (nuint)i);
                var mi = b1 * Vector.LoadUnsafe(ref pm, (nuint)i) + k1 * gi;
                var vi = b2 * Vector.LoadUnsafe(ref pv, (nuint)i) + k2 * gi * gi;
                mi.StoreUnsafe(ref pm, (nuint)i);
                vi.StoreUnsafe(ref pv, (nuint)i);
                (Vector.LoadUnsafe(ref pw, (nuint)i) - lr * mi / (Vector.SquareRoot(vi) + eps)).StoreUnsafe(ref pw, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            m[i] = beta1 * m[i] + c1 * g[i];
            v[i] = beta2 * v[i] + c2 * g[i] * g[i];
            w[i] -= lrT * m[i] / (MathF.Sqrt(v[i]) + epsilon);
        }
    }

    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, bool nesterov)
    {
        int n = w.Length;
        if (g.Length < n || (momentum != 0f && velocity.Length < n))
            throw new ArgumentException($"SGD on {n} weights got {g.Length} gradients and {velocity.Length} velocities.");
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pv = ref MemoryMarshal.GetReference(velocity);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> rate = new(lr), mu = new(momentum);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var step = rate * Vector.LoadUnsafe(ref pg, (nuint)i);
                var wi = Vector.LoadUnsafe(ref pw, (nuint)i);
                if (momentum == 0f)
                {
                    (wi - step).StoreUnsafe(ref pw, (nuint)i);
                    continue;
                }
                var vi = mu * Vector.LoadUnsafe(ref pv, (nuint)i) - step;
                vi.StoreUnsafe(ref pv, (nuint)i);
                (wi + (nesterov ? mu * vi - step : vi)).StoreUnsafe(ref pw, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            if (momentum == 0f)
            {
                w[i] -= lr * g[i];
                continue;
            }
            velocity[i] = momentum * velocity[i] - lr * g[i];
            w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
        }
    }
}
