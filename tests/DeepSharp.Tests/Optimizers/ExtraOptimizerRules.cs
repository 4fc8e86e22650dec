namespace DeepSharp.Tests.Optimizers;

/// <summary>Adamax, Adadelta, Lion and Ftrl written out in double from Keras 3's formulas, for the table of ClippingAndDecayTests.</summary>
public partial class OptimizerTests
{
    /// <summary>Adamax, lr 0.01, β1 0.9, β2 0.999, ε 1e-7.</summary>
    private static Rule AdamaxRule()
    {
        double[] m = new double[3], u = new double[3];
        return (w, g, t) =>
        {
            for (int i = 0; i < 3; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];                                  // m = β1·m + (1−β1)·g
                u[i] = Math.Max(0.999 * u[i], Math.Abs(g[i]));                   // u = max(β2·u, |g|)
                w[i] -= 0.01 / (1 - Math.Pow(0.9, t)) * m[i] / (u[i] + 1e-7);    // w −= lr/(1−β1^t)·m/(u + ε)
            }
        };
    }

    /// <summary>Adadelta, lr 1 (the paper's), ρ 0.95, ε 1e-3 (large, so that the steps are too).</summary>
    private static Rule AdadeltaRule()
    {
        double[] a = new double[3], d = new double[3];
        return (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                a[i] = 0.95 * a[i] + 0.05 * g[i] * g[i];                         // a = ρ·a + (1−ρ)·g²
                double delta = -Math.Sqrt(d[i] + 1e-3) / Math.Sqrt(a[i] + 1e-3) * g[i]; // Δ = −RMS(d)/RMS(a)·g, the old d
                d[i] = 0.95 * d[i] + 0.05 * delta * delta;                       // d = ρ·d + (1−ρ)·Δ²
                w[i] += delta;                                                   // w += lr·Δ
            }
        };
    }

    /// <summary>Lion, lr 0.01, β1 0.9, β2 0.99: every weight moves by exactly lr.</summary>
    private static Rule LionRule()
    {
        var m = new double[3];
        return (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                w[i] -= 0.01 * Math.Sign(0.9 * m[i] + 0.1 * g[i]);              // w −= lr·sign(β1·m + (1−β1)·g)
                m[i] = 0.99 * m[i] + 0.01 * g[i];                                // m = β2·m + (1−β2)·g
            }
        };
    }

    /// <summary>FTRL-Proximal, lr 0.1, power −0.5, initial accumulator 0.1, l1 0.05, l2 0.01, shrinkage 0.02, β 0.5.</summary>
    private static Rule FtrlRule()
    {
        double[] n = [0.1, 0.1, 0.1], z = new double[3];
        return (w, g, _) =>
        {
            const double lr = 0.1, l1 = 0.05;
            double l2 = 0.01 + 0.5 / (2 * lr);                                   // l2 + β/(2·lr)
            for (int i = 0; i < 3; i++)
            {
                double shrunk = g[i] + 2 * 0.02 * w[i];                          // g + 2·shrinkage·w
                double next = n[i] + g[i] * g[i];                                // n' = n + g²
                z[i] += shrunk - (Math.Sqrt(next) - Math.Sqrt(n[i])) / lr * w[i]; // z += g' − (√n' − √n)/lr·w
                w[i] = Math.Abs(z[i]) <= l1 ? 0 : -(z[i] - Math.Sign(z[i]) * l1) / (Math.Sqrt(next) / lr + 2 * l2); // the proximal step
                n[i] = next;
            }
        };
    }
}
