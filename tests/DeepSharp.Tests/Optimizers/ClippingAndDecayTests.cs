using DeepSharp.Optimizers;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Every optimizer, three steps, against its Keras 3 formula written out in double, without and with
/// each kind of clipping (ClipNorm, ClipValue, GlobalClipNorm) and decoupled weight decay. Keras's
/// order: clip the gradient, then w −= w·wd·lr, then the optimizer's own update.
/// </summary>
public partial class OptimizerTests
{
    /// <summary>One step of an optimizer's own update on (w, g) at step t (1-based), keeping its state in the closure.</summary>
    private delegate void Rule(double[] w, double[] g, int t);

    private sealed record Setting(float? ClipNorm, float? ClipValue, float? GlobalClipNorm, float? WeightDecay);

    private static readonly Dictionary<string, (Func<Setting, Optimizer> Create, double Lr, Func<Rule> Reference)> s_optimizers = new()
    {
        ["sgd"] = (s => new Sgd(0.1f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.1, SgdRule),
        ["sgd-nesterov"] = (s => new Sgd(0.1f, 0.9f, nesterov: true) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.1, NesterovRule),
        ["adam"] = (s => new Adam(0.01f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.01, AdamRule),
        ["adamw"] = (s => new AdamW(0.01f, weightDecay: s.WeightDecay ?? 0.004f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm }, 0.01, AdamRule),
        ["rmsprop"] = (s => new RmsProp(0.01f, momentum: 0.5f, centered: true) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.01, RmsPropRule),
        ["adagrad"] = (s => new Adagrad(0.1f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.1, AdagradRule),
        ["nadam"] = (s => new Nadam(0.01f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.01, NadamRule),
        ["adamax"] = (s => new Adamax(0.01f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.01, AdamaxRule),
        ["adadelta"] = (s => new Adadelta(1f, epsilon: 1e-3f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 1, AdadeltaRule),
        ["lion"] = (s => new Lion(0.01f) { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.01, LionRule),
        ["ftrl"] = (s => new Ftrl(0.1f, l1RegularizationStrength: 0.05f, l2RegularizationStrength: 0.01f, l2ShrinkageRegularizationStrength: 0.02f, beta: 0.5f)
        { ClipNorm = s.ClipNorm, ClipValue = s.ClipValue, GlobalClipNorm = s.GlobalClipNorm, WeightDecay = s.WeightDecay }, 0.1, FtrlRule),
    };

    /// <summary>SGD, lr 0.1: w −= lr·g.</summary>
    private static Rule SgdRule() => (w, g, _) =>
    {
        for (int i = 0; i < 3; i++) w[i] -= 0.1 * g[i];
    };

    /// <summary>SGD, lr 0.1, Nesterov momentum 0.9 (Keras 3).</summary>
    private static Rule NesterovRule()
    {
        var v = new double[3];
        return (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                v[i] = 0.9 * v[i] - 0.1 * g[i];                                  // v = μ·v − lr·g
                w[i] += 0.9 * v[i] - 0.1 * g[i];                                 // w += μ·v − lr·g
            }
        };
    }

    /// <summary>Adam (and AdamW after its decay), lr 0.01, Keras's ε outside the bias correction.</summary>
    private static Rule AdamRule()
    {
        double[] m = new double[3], v = new double[3];
        return (w, g, t) =>
        {
            double lrT = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t)); // lr·√(1−β2^t)/(1−β1^t)
            for (int i = 0; i < 3; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
        };
    }

    /// <summary>Centered RMSprop, lr 0.01, ρ 0.9, momentum 0.5.</summary>
    private static Rule RmsPropRule()
    {
        double[] v = new double[3], avg = new double[3], mom = new double[3];
        return (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];                           // v = ρ·v + (1−ρ)·g²
                avg[i] = 0.9 * avg[i] + 0.1 * g[i];                              // a = ρ·a + (1−ρ)·g
                mom[i] = 0.5 * mom[i] + 0.01 * g[i] / Math.Sqrt(v[i] - avg[i] * avg[i] + 1e-7); // m = μ·m + lr·g/√(v − a² + ε)
                w[i] -= mom[i];
            }
        };
    }

    /// <summary>Adagrad, lr 0.1, initial accumulator 0.1.</summary>
    private static Rule AdagradRule()
    {
        double[] acc = [0.1, 0.1, 0.1];
        return (w, g, _) =>
        {
            for (int i = 0; i < 3; i++)
            {
                acc[i] += g[i] * g[i];                                           // acc += g²
                w[i] -= 0.1 * g[i] / Math.Sqrt(acc[i] + 1e-7);                   // w −= lr·g/√(acc + ε)
            }
        };
    }

    /// <summary>Nadam, lr 0.01, Keras's momentum cache u_t = β1(1 − ½·0.96^t).</summary>
    private static Rule NadamRule()
    {
        double[] m = new double[3], v = new double[3];
        double product = 1;
        return (w, g, t) =>
        {
            double u = 0.9 * (1 - 0.5 * Math.Pow(0.96, t)), uNext = 0.9 * (1 - 0.5 * Math.Pow(0.96, t + 1));
            product *= u;
            for (int i = 0; i < 3; i++)
            {
                m[i] += (g[i] - m[i]) * 0.1;
                v[i] += (g[i] * g[i] - v[i]) * 0.001;
                double mHat = uNext * m[i] / (1 - product * uNext) + (1 - u) * g[i] / (1 - product);
                w[i] -= 0.01 * mHat / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-7);
            }
        };
    }

    private static readonly Dictionary<string, Setting> s_settings = new()
    {
        ["plain"] = new(null, null, null, null),
        ["clip-norm"] = new(1f, null, null, null),
        ["clip-value"] = new(null, 0.3f, null, null),
        ["global-clip-norm"] = new(null, null, 1f, null),
        ["decay"] = new(null, null, null, 0.5f),
        ["clip-norm+decay"] = new(1f, null, null, 0.5f),
        ["clip-value+decay"] = new(null, 0.3f, null, 0.5f),
        ["global-clip-norm+decay"] = new(null, null, 1f, 0.5f),
    };

    public static TheoryData<string, string> OptimizerSettings()
    {
        var data = new TheoryData<string, string>();
        foreach (var optimizer in s_optimizers.Keys)
            foreach (var setting in s_settings.Keys) data.Add(optimizer, setting);
        return data;
    }

    [Theory]
    [MemberData(nameof(OptimizerSettings))]
    public void EachOptimizerMatchesItsFormulaWithClippingAndDecay(string optimizer, string setting)
    {
        var (create, lr, reference) = s_optimizers[optimizer];
        var s = s_settings[setting];
        var rule = reference();
        double decay = s.WeightDecay ?? (optimizer == "adamw" ? 0.004 : 0);
        Compare(create(s), (w, g, t) =>
        {
            double norm = Math.Sqrt(g.Sum(v => v * v));
            for (int i = 0; i < 3; i++)
            {
                if (s.ClipValue is { } c) g[i] = Math.Clamp(g[i], -c, c);                       // clamp to [−c, c]
                if ((s.ClipNorm ?? s.GlobalClipNorm) is { } n) g[i] = g[i] * n / Math.Max(norm, n); // g·c/max(‖g‖, c)
                w[i] -= w[i] * decay * lr;                                                     // w −= w·wd·lr
            }
            rule(w, g, t);
        }, digits: optimizer == "rmsprop" ? 4 : 5);
    }
}
