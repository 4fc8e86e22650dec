using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Each optimizer against Keras 3's update written as Keras runs it: float32 operations in Keras's
/// order, with the constants Keras produces (a Python float meets a float32 tensor: 1 − 0.999 is
/// taken in double and rounded once, 0.001f). Kernels use no fused multiply-add, so bit for bit.
/// </summary>
public partial class KerasFloat32Tests
{
    private const int N = 37; // past every vector width, with a scalar tail

    private static float[] Values(int seed, float scale)
    {
        var r = new Random(seed);
        var x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        x[1] = 1e-6f * scale; // tiny gradients make ε matter
        return x;
    }

    /// <summary>Runs three steps of <paramref name="optimizer"/> and of <paramref name="keras"/>(w, g, t) and compares bits.</summary>
    private static void Compare(Optimizer optimizer, Action<float[], float[], int> keras)
    {
        var w = Values(1, 1f);
        var p = OptimizerTests.OneWeight((float[])w.Clone());
        for (int t = 1; t <= 3; t++)
        {
            var g = Values(10 + t, t == 2 ? 3f : 0.5f);
            p.Value.Grad = Tensor.FromArray((float[])g.Clone(), 1, N);
            optimizer.Apply([p]);
            keras(w, g, t);
            for (int i = 0; i < N; i++) Assert.Equal(w[i], p.Value.Span[i]); // exact: same float32 ops
        }
    }

    [Fact]
    public void ComplementsAreKerasDoubleRoundedOnce()
    {
        Assert.Equal(0.001f, KerasScalars.OneMinus(0.999f));  // float32(1 − 0.999), not 1f − 0.999f
        Assert.Equal(9.9998713e-4f, 1f - 0.999f);             // the old constant: 1.3e-5 relative off
        Assert.Equal(0.1f, KerasScalars.OneMinus(0.9f));      // float32(0.09999999999999998) = 0.1f
        Assert.Equal(0.100000024f, 1f - 0.9f);                // the old constant
        Assert.Equal(0.05f, KerasScalars.OneMinus(0.95f));
    }

    private static Action<float[], float[], int> KerasAdam(float lr, float weightDecay)
    {
        var (m, v) = (new float[N], new float[N]);
        return (w, g, t) =>
        {
            // keras/src/optimizers/base_optimizer.py _apply_weight_decay: w = w − w·wd·lr, before the update.
            if (weightDecay > 0) for (int i = 0; i < N; i++) w[i] = w[i] - w[i] * weightDecay * lr;
            // keras/src/optimizers/adam.py update_step, float32: β cast to float32 for the powers,
            // 1 − self.beta_1 a Python double rounded once (0.1f, 0.001f).
            float b1p = MathF.Pow(0.9f, t), b2p = MathF.Pow(0.999f, t);
            float alpha = lr * MathF.Sqrt(1f - b2p) / (1f - b1p);
            for (int i = 0; i < N; i++)
            {
                m[i] += (g[i] - m[i]) * 0.1f;
                v[i] += (g[i] * g[i] - v[i]) * 0.001f;
                w[i] -= m[i] * alpha / (MathF.Sqrt(v[i]) + 1e-7f);
            }
        };
    }

    [Fact]
    public void AdamIsKerasBitForBit() => Compare(new Adam(), KerasAdam(1e-3f, 0f));

    [Fact]
    public void AdamWIsKerasBitForBit() => Compare(new AdamW(0.01f, weightDecay: 0.1f), KerasAdam(0.01f, 0.1f));

    [Fact]
    public void NadamIsKerasBitForBit()
    {
        var (m, v) = (new float[N], new float[N]);
        float uProduct = 1f;
        Compare(new Nadam(0.01f), (w, g, t) =>
        {
            // keras/src/optimizers/nadam.py, float32: _backend_update_step first updates Π (a float32
            // variable), then update_step; β is cast to float32 and 1 − β taken in float32 there.
            uProduct = uProduct * 0.9f * (1f - 0.5f * MathF.Pow(0.96f, t));
            float u = 0.9f * (1f - 0.5f * MathF.Pow(0.96f, t));
            float uNext = 0.9f * (1f - 0.5f * MathF.Pow(0.96f, t + 1));
            float uProductNext = uProduct * uNext;
            float b2p = MathF.Pow(0.999f, t);
            for (int i = 0; i < N; i++)
            {
                m[i] += (g[i] - m[i]) * (1f - 0.9f);
                v[i] += (g[i] * g[i] - v[i]) * (1f - 0.999f);
                float mHat = uNext * m[i] / (1f - uProductNext) + (1f - u) * g[i] / (1f - uProduct);
                float vHat = v[i] / (1f - b2p);
                w[i] -= mHat * 0.01f / (MathF.Sqrt(vHat) + 1e-7f);
            }
        });
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.5f, false)]
    [InlineData(0f, true)]
    [InlineData(0.5f, true)]
    public void RmsPropIsKerasBitForBit(float momentum, bool centered)
    {
        var (v, a, mom) = (new float[N], new float[N], new float[N]);
        Compare(new RmsProp(0.01f, momentum: momentum, centered: centered), (w, g, _) =>
        {
            // keras/src/optimizers/rmsprop.py: ρ·v + (1 − ρ)·g², rho a Python float: 0.9f and 0.1f.
            for (int i = 0; i < N; i++)
            {
                v[i] = 0.9f * v[i] + 0.1f * (g[i] * g[i]);
                float d;
                if (centered)
                {
                    a[i] = 0.9f * a[i] + 0.1f * g[i];
                    d = v[i] - a[i] * a[i] + 1e-7f;
                }
                else
                {
                    d = v[i] + 1e-7f;
                }
                float inc = 0.01f * g[i] / MathF.Sqrt(d);
                if (momentum > 0)
                {
                    mom[i] = momentum * mom[i] + inc;
                    w[i] -= mom[i];
                }
                else
                {
                    w[i] -= inc;
                }
            }
        });
    }

    [Fact]
    public void AdagradIsKerasBitForBit()
    {
        var acc = new float[N];
        Array.Fill(acc, 0.1f); // initial_accumulator_value 0.1 → 0.1f
        Compare(new Adagrad(0.01f), (w, g, _) =>
        {
            for (int i = 0; i < N; i++)
            {
                acc[i] += g[i] * g[i];
                w[i] -= 0.01f * g[i] / MathF.Sqrt(acc[i] + 1e-7f);
            }
        });
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void SgdIsKerasBitForBit(float momentum, bool nesterov)
    {
        var vel = new float[N];
        Compare(new Sgd(0.1f, momentum: momentum, nesterov: nesterov), (w, g, _) =>
        {
            // keras/src/optimizers/sgd.py: m = m·μ − g·lr; w += m·μ − g·lr (Nesterov) or w += m; plain w −= g·lr.
            for (int i = 0; i < N; i++)
            {
                if (momentum == 0f)
                {
                    w[i] -= g[i] * 0.1f;
                    continue;
                }
                vel[i] = vel[i] * momentum - g[i] * 0.1f;
                w[i] += nesterov ? vel[i] * momentum - g[i] * 0.1f : vel[i];
            }
        });
    }
}
