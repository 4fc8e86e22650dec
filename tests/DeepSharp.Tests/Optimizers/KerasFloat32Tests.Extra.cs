using DeepSharp.Optimizers;

namespace DeepSharp.Tests.Optimizers;

/// <summary>Adamax, Adadelta, Lion and Ftrl against Keras 3's update_step in float32, in Keras's order.</summary>
public partial class KerasFloat32Tests
{
    [Fact]
    public void AdamaxIsKerasBitForBit()
    {
        var (m, u) = (new float[N], new float[N]);
        Compare(new Adamax(0.01f), (w, g, t) =>
        {
            // keras/src/optimizers/adamax.py: 1 − β1 a Python double (0.1f); β1^t on the float32 β1.
            float b1p = MathF.Pow(0.9f, t);
            for (int i = 0; i < N; i++)
            {
                m[i] += (g[i] - m[i]) * 0.1f;
                u[i] = MathF.Max(0.999f * u[i], MathF.Abs(g[i]));
                w[i] -= 0.01f * m[i] / ((1f - b1p) * (u[i] + 1e-7f));
            }
        });
    }

    [Fact]
    public void AdadeltaIsKerasBitForBit()
    {
        var (a, d) = (new float[N], new float[N]);
        Compare(new Adadelta(1f, rho: 0.95f, epsilon: 1e-6f), (w, g, _) =>
        {
            // keras/src/optimizers/adadelta.py: ρ·a + (1 − ρ)·g² with 1 − 0.95 a Python double (0.05f).
            for (int i = 0; i < N; i++)
            {
                a[i] = 0.95f * a[i] + 0.05f * (g[i] * g[i]);
                float delta = -(MathF.Sqrt(d[i] + 1e-6f) * g[i] / MathF.Sqrt(a[i] + 1e-6f));
                d[i] = 0.95f * d[i] + 0.05f * (delta * delta);
                w[i] += 1f * delta;
            }
        });
    }

    [Fact]
    public void LionIsKerasBitForBit()
    {
        var m = new float[N];
        Compare(new Lion(0.01f), (w, g, _) =>
        {
            // keras/src/optimizers/lion.py: β cast to float32, 1.0 − β in float32.
            for (int i = 0; i < N; i++)
            {
                w[i] -= 0.01f * MathF.Sign(m[i] * 0.9f + g[i] * (1f - 0.9f));
                m[i] = m[i] * 0.99f + g[i] * (1f - 0.99f);
            }
        });
    }

    [Fact]
    public void FtrlIsKerasBitForBit()
    {
        var (n, z) = (new float[N], new float[N]);
        Array.Fill(n, 0.1f);
        const float lr = 0.1f, l1 = 0.05f;
        Compare(new Ftrl(lr, l1RegularizationStrength: l1, l2RegularizationStrength: 0.01f, l2ShrinkageRegularizationStrength: 0.02f, beta: 0.5f), (w, g, _) =>
        {
            // keras/src/optimizers/ftrl.py: l2' = l2 + β/(2·lr); g' = g + 2·shrinkage·w; power −(−0.5).
            float l2 = 0.01f + 0.5f / (2f * lr);
            for (int i = 0; i < N; i++)
            {
                float shrunk = g[i] + 0.04f * w[i];
                float next = n[i] + g[i] * g[i];
                z[i] += shrunk - (MathF.Pow(next, 0.5f) - MathF.Pow(n[i], 0.5f)) / lr * w[i];
                float quadratic = MathF.Pow(next, 0.5f) / lr + 2f * l2;
                w[i] = (Math.Clamp(z[i], -l1, l1) - z[i]) / quadratic;
                n[i] = next;
            }
        });
    }
}
