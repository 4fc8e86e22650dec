using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>RMSprop, Adagrad, Nadam and AdamW: three steps against Keras 3's update, written out in double.</summary>
public partial class OptimizerTests
{
    private static readonly double[] Start = [1, -2, 0.5];

    /// <summary>Runs three steps of <paramref name="optimizer"/> and of <paramref name="reference"/> (w, g, t) side by side.</summary>
    private static void Compare(Optimizer optimizer, Action<double[], double[], int> reference, int digits = 5)
    {
        var p = OneWeight([1f, -2f, 0.5f]);
        var w = (double[])Start.Clone();
        for (int t = 1; t <= 3; t++)
        {
            p.Value.Grad = Tensor.FromArray((float[])Gradients[t - 1].Clone(), 1, 3);
            optimizer.Apply([p]);
            reference(w, Array.ConvertAll(Gradients[t - 1], v => (double)v), t);
            for (int i = 0; i < 3; i++) Assert.Equal(w[i], p.Value.Span[i], Math.Pow(10, -digits)); // a tolerance: rounding to digits fails at rounding boundaries
        }
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.5f, false)]
    [InlineData(0f, true)]
    [InlineData(0.5f, true)]
    public void RmsPropMatchesKeras3Formula(float momentum, bool centered)
    {
        double[] v = new double[3], mom = new double[3], avg = new double[3];
        Compare(new RmsProp(0.01f, momentum: momentum, centered: centered), (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];                 // v = ρ·v + (1−ρ)·g²
                avg[i] = 0.9 * avg[i] + 0.1 * g[i];                    // a = ρ·a + (1−ρ)·g
                double d = centered ? v[i] - avg[i] * avg[i] + 1e-7 : v[i] + 1e-7; // d = v − a² + ε | v + ε
                double inc = 0.01 * g[i] / Math.Sqrt(d);               // inc = lr·g/√d
                mom[i] = momentum * mom[i] + inc;                      // m = μ·m + inc
                w[i] -= momentum > 0 ? mom[i] : inc;                   // w −= m | inc
            }
        }, digits: 4);
    }

    [Fact]
    public void AdagradMatchesKeras3Formula()
    {
        double[] acc = [0.1, 0.1, 0.1];                                 // initial_accumulator_value 0.1
        Compare(new Adagrad(0.1f), (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                acc[i] += g[i] * g[i];                                  // acc += g²
                w[i] -= 0.1 * g[i] / Math.Sqrt(acc[i] + 1e-7);          // w −= lr·g/√(acc + ε)
            }
        });
    }

    [Fact]
    public void NadamMatchesKeras3Formula()
    {
        double[] m = new double[3], v = new double[3];
        double product = 1;
        Compare(new Nadam(0.01f), (w, g, t) =>
        {
            double u = 0.9 * (1 - 0.5 * Math.Pow(0.96, t));             // u_t = β1·(1 − ½·0.96^t)
            double uNext = 0.9 * (1 - 0.5 * Math.Pow(0.96, t + 1));
            product *= u;                                               // Π_t = u_1⋯u_t
            for (int i = 0; i < 3; i++)
            {
                m[i] += (g[i] - m[i]) * 0.1;                            // m += (g − m)(1−β1)
                v[i] += (g[i] * g[i] - v[i]) * 0.001;                   // v += (g² − v)(1−β2)
                double mHat = uNext * m[i] / (1 - product * uNext) + (1 - u) * g[i] / (1 - product);
                double vHat = v[i] / (1 - Math.Pow(0.999, t));
                w[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-7);         // w −= lr·m̂/(√v̂ + ε)
            }
        });
    }

    [Fact]
    public void AdamWDecaysWeightsBeforeAdam()
    {
        double[] m = new double[3], v = new double[3];
        Compare(new AdamW(0.01f, weightDecay: 0.1f), (w, g, t) =>
        {
            double lrT = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 3; i++)
            {
                w[i] -= w[i] * 0.1 * 0.01;                              // w −= w·wd·lr (decoupled)
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
        });
        Assert.Equal(0.004f, new AdamW().WeightDecay);
    }

    [Fact]
    public void ClipNormScalesEachGradientToTheNorm()
    {
        Compare(new Sgd(0.1f) { ClipNorm = 1f }, (w, g, _) =>
        {
            double norm = Math.Sqrt(g.Sum(x => x * x));
            for (int i = 0; i < 3; i++) w[i] -= 0.1 * g[i] * 1 / Math.Max(norm, 1);   // g·c/max(‖g‖, c)
        });
    }

    [Fact]
    public void ClipValueClampsEachElement()
    {
        Compare(new Sgd(0.1f) { ClipValue = 0.3f }, (w, g, _) =>
        {
            for (int i = 0; i < 3; i++) w[i] -= 0.1 * Math.Clamp(g[i], -0.3, 0.3);
        });
    }

    [Fact]
    public void GlobalClipNormScalesAllGradientsTogether()
    {
        var a = OneWeight([1f, 2f]);
        var b = OneWeight([3f]);
        a.Value.Grad = Tensor.FromArray([3f, 0f], 1, 2);
        b.Value.Grad = Tensor.FromArray([4f], 1, 1);                    // joint norm 5
        new Sgd(1f) { GlobalClipNorm = 1f }.Apply([a, b]);
        Assert.Equal(1 - 3.0 / 5, a.Value.Span[0], 6);                  // g·c/‖g‖_global
        Assert.Equal(2.0, a.Value.Span[1], 6);
        Assert.Equal(3 - 4.0 / 5, b.Value.Span[0], 6);
        Assert.Throws<InvalidOperationException>(() => new Sgd { ClipNorm = 1f, ClipValue = 1f }.Apply([a]));
    }

    [Fact]
    public void WeightDecayAndClippingCombineWithMomentum()
    {
        var velocity = new double[3];
        Compare(new Sgd(0.1f, momentum: 0.9f) { WeightDecay = 0.5f, ClipValue = 0.3f }, (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                w[i] -= w[i] * 0.5 * 0.1;                                         // w −= w·wd·lr
                velocity[i] = 0.9 * velocity[i] - 0.1 * Math.Clamp(g[i], -0.3, 0.3); // v = μ·v − lr·clip(g)
                w[i] += velocity[i];                                              // w += v
            }
        });
    }
}
