using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Keras 3's shrinking, hard and sparse activations (celu, hard/soft/tanh shrink, hard_tanh, log_sigmoid,
/// sparse_plus, sparse_sigmoid, squareplus), elementwise in plain loops with Keras's definitions and defaults.
/// Each backward accumulates dy·f′(x); at a kink f′ takes the value of the flat side (as ReLU's does at 0).
/// </summary>
public static partial class Ops
{
    /// <summary>CELU (Barron 2017): x for x ≥ 0, α·(e^(x/α) − 1) otherwise; Keras's default α = 1 makes it ELU.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not a positive finite number.</exception>
    public static Tensor Celu(Tensor x, float alpha = 1f)
    {
        if (!(alpha > 0f && float.IsFinite(alpha))) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Celu needs a positive finite alpha.");
        return Shrink(x, ShrinkKind.Celu, alpha);
    }

    /// <summary>Hard shrink: x where |x| &gt; threshold, 0 otherwise (Keras's default threshold 0.5).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is negative or not finite.</exception>
    public static Tensor HardShrink(Tensor x, float threshold = 0.5f) => Shrink(x, ShrinkKind.HardShrink, Threshold(threshold, "HardShrink"));

    /// <summary>Soft shrink: x − threshold above threshold, x + threshold below −threshold, 0 between (default 0.5).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is negative or not finite.</exception>
    public static Tensor SoftShrink(Tensor x, float threshold = 0.5f) => Shrink(x, ShrinkKind.SoftShrink, Threshold(threshold, "SoftShrink"));

    /// <summary>Tanh shrink: x − tanh(x).</summary>
    public static Tensor TanhShrink(Tensor x) => Shrink(x, ShrinkKind.TanhShrink, 0f);

    /// <summary>Hard tanh: x clipped to [−1, 1].</summary>
    public static Tensor HardTanh(Tensor x) => Shrink(x, ShrinkKind.HardTanh, 0f);

    /// <summary>log σ(x) = −softplus(−x), computed as min(x, 0) − log(1 + e^−|x|) so that it never overflows.</summary>
    public static Tensor LogSigmoid(Tensor x) => Shrink(x, ShrinkKind.LogSigmoid, 0f);

    /// <summary>Sparse plus (Blondel et al. 2019): 0 for x ≤ −1, (x + 1)²/4 between, x for x ≥ 1.</summary>
    public static Tensor SparsePlus(Tensor x) => Shrink(x, ShrinkKind.SparsePlus, 0f);

    /// <summary>Sparse sigmoid: 0 for x ≤ −1, (x + 1)/2 between, 1 for x ≥ 1.</summary>
    public static Tensor SparseSigmoid(Tensor x) => Shrink(x, ShrinkKind.SparseSigmoid, 0f);

    /// <summary>Squareplus (Barron 2021): (x + √(x² + b))/2, a smooth ReLU; Keras's default b = 4.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="b"/> is negative or not finite.</exception>
    public static Tensor Squareplus(Tensor x, float b = 4f)
    {
        if (!(b >= 0f && float.IsFinite(b))) throw new ArgumentOutOfRangeException(nameof(b), b, "Squareplus needs a finite b ≥ 0.");
        return Shrink(x, ShrinkKind.Squareplus, b);
    }

    /// <summary>
    /// Keras's <c>threshold(x, threshold, default_value)</c>: x where x &gt; threshold, <paramref name="defaultValue"/>
    /// elsewhere (the gradient reaches x where it is kept). Keras gives it no defaults, so it has no activation name.
    /// </summary>
    public static Tensor Threshold(Tensor x, float threshold, float defaultValue) => Where(Greater(x, threshold), x, defaultValue);

    private enum ShrinkKind { Celu, HardShrink, SoftShrink, TanhShrink, HardTanh, LogSigmoid, SparsePlus, SparseSigmoid, Squareplus }

    private static float Threshold(float threshold, string op) =>
        threshold >= 0f && float.IsFinite(threshold) ? threshold
        : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{op} needs a finite threshold ≥ 0.");

    private static float ShrinkOf(ShrinkKind kind, float x, float p) => kind switch
    {
        ShrinkKind.Celu => x >= 0f ? x : p * (MathF.Exp(x / p) - 1f),
        ShrinkKind.HardShrink => MathF.Abs(x) > p ? x : 0f,
        ShrinkKind.SoftShrink => x > p ? x - p : x < -p ? x + p : 0f,
        ShrinkKind.TanhShrink => x - MathF.Tanh(x),
        ShrinkKind.HardTanh => Math.Clamp(x, -1f, 1f),
        ShrinkKind.LogSigmoid => MathF.Min(x, 0f) - MathF.Log(1f + MathF.Exp(-MathF.Abs(x))),
        ShrinkKind.SparsePlus => x <= -1f ? 0f : x >= 1f ? x : 0.25f * (x + 1f) * (x + 1f),
        ShrinkKind.SparseSigmoid => x <= -1f ? 0f : x >= 1f ? 1f : 0.5f * (x + 1f),
        _ => 0.5f * (x + MathF.Sqrt(x * x + p)), // Squareplus
    };

    private static float ShrinkSlope(ShrinkKind kind, float x, float p)
    {
        switch (kind)
        {
            case ShrinkKind.Celu: return x >= 0f ? 1f : MathF.Exp(x / p);
            case ShrinkKind.HardShrink:
            case ShrinkKind.SoftShrink: return MathF.Abs(x) > p ? 1f : 0f;
            case ShrinkKind.TanhShrink:
                float t = MathF.Tanh(x);
                return t * t;
            case ShrinkKind.HardTanh: return x > -1f && x < 1f ? 1f : 0f;
            case ShrinkKind.LogSigmoid: return 1f / (1f + MathF.Exp(x)); // σ(−x)
            case ShrinkKind.SparsePlus: return x <= -1f ? 0f : x >= 1f ? 1f : 0.5f * (x + 1f);
            case ShrinkKind.SparseSigmoid: return x > -1f && x < 1f ? 0.5f : 0f;
            default:
                float root = MathF.Sqrt(x * x + p); // Squareplus: (1 + x/√(x² + b))/2; b = 0 at x = 0 takes ReLU's 0
                return root == 0f ? 0f : 0.5f * (1f + x / root);
        }
    }

    private static Tensor Shrink(Tensor x, ShrinkKind kind, float parameter)
    {
        var y = x.TempLike();
        var xs = x.Span;
        var ys = y.Span;
        for (int i = 0; i < xs.Length; i++) ys[i] = ShrinkOf(kind, xs[i], parameter);
        return OpNode.Needed(x) ? new ShrinkNode(x, kind, parameter).Attach(y) : y;
    }

    private sealed class ShrinkNode(Tensor x, ShrinkKind kind, float parameter) : OpNode(x)
    {
        public override string Name => kind.ToString();

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var xs = x.Span;
            var g = dy.Span;
            var d = dx.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] * ShrinkSlope(kind, xs[i], parameter);
        }
    }
}
