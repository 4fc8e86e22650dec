using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>
/// Keras's other activations, elementwise in plain loops (TensorPrimitives where it has the
/// function). Each backward accumulates dy·f′(x).
/// </summary>
public static partial class Ops
{
    /// <summary>SELU constants (Klambauer et al. 2017), as Keras.</summary>
    internal const float SeluAlpha = 1.6732632423543772f, SeluScale = 1.0507009873554805f;

    /// <summary>x for x &gt; 0, else negativeSlope·x (Keras 3 default slope 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.2f) => Pointwise(x, PointwiseKind.LeakyRelu, negativeSlope);

    /// <summary>x for x &gt; 0, else α·(eˣ − 1).</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) => Pointwise(x, PointwiseKind.Elu, alpha);

    /// <summary>scale·elu(x, α) with Keras's fixed SELU constants.</summary>
    public static Tensor Selu(Tensor x) => Pointwise(x, PointwiseKind.Selu, 0f);

    /// <summary>GELU, Keras's default exact form x·Φ(x) = ½x(1 + erf(x/√2)).</summary>
    public static Tensor Gelu(Tensor x) => Pointwise(x, PointwiseKind.Gelu, 0f);

    /// <summary>Swish (SiLU): x·σ(x).</summary>
    public static Tensor Swish(Tensor x) => Pointwise(x, PointwiseKind.Swish, 0f);

    /// <summary>Softplus, log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|) so that it never overflows; f′ = σ(x).</summary>
    public static Tensor Softplus(Tensor x) => Pointwise(x, PointwiseKind.Softplus, 0f);

    /// <summary>Softsign, x/(1 + |x|); f′ = 1/(1 + |x|)².</summary>
    public static Tensor Softsign(Tensor x) => Pointwise(x, PointwiseKind.Softsign, 0f);

    /// <summary>Keras 3's hard sigmoid, clip(x/6 + ½, 0, 1) = relu6(x + 3)/6 (Keras 2's used 0.2·x + ½).</summary>
    public static Tensor HardSigmoid(Tensor x) => Pointwise(x, PointwiseKind.HardSigmoid, 0f);

    /// <summary>Hard SiLU (hard swish), x·hard_sigmoid(x): 0 below −3, x above 3, x(x + 3)/6 between.</summary>
    public static Tensor HardSilu(Tensor x) => Pointwise(x, PointwiseKind.HardSilu, 0f);

    /// <summary>Mish (Misra 2019), x·tanh(softplus(x)).</summary>
    public static Tensor Mish(Tensor x) => Pointwise(x, PointwiseKind.Mish, 0f);

    private enum PointwiseKind { LeakyRelu, Elu, Selu, Gelu, Swish, Softplus, Softsign, HardSigmoid, HardSilu, Mish }

    private static float SoftplusOf(float x) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));

    private static float HardSigmoidOf(float x) => Math.Clamp(x / 6f + 0.5f, 0f, 1f);

    private static Tensor Pointwise(Tensor x, PointwiseKind kind, float parameter)
    {
        var y = x.TempLike();
        var xs = x.Span;
        var ys = y.Span;
        switch (kind)
        {
            case PointwiseKind.LeakyRelu:
                for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] > 0 ? xs[i] : parameter * xs[i];
                break;
            case PointwiseKind.Elu:
                for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] > 0 ? xs[i] : parameter * (MathF.Exp(xs[i]) - 1f);
                break;
            case PointwiseKind.Selu:
                for (int i = 0; i < xs.Length; i++) ys[i] = SeluScale * (xs[i] > 0 ? xs[i] : SeluAlpha * (MathF.Exp(xs[i]) - 1f));
                break;
            case PointwiseKind.Gelu:
                GeluKernel.Forward(xs, ys);
                break;
            case PointwiseKind.Swish:
                if (!xs.IsEmpty) TensorPrimitives.Sigmoid(xs, ys);
                TensorPrimitives.Multiply(xs, ys, ys);
                break;
            case PointwiseKind.Softplus:
                for (int i = 0; i < xs.Length; i++) ys[i] = SoftplusOf(xs[i]);
                break;
            case PointwiseKind.Softsign:
                for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] / (1f + MathF.Abs(xs[i]));
                break;
            case PointwiseKind.HardSigmoid:
                for (int i = 0; i < xs.Length; i++) ys[i] = HardSigmoidOf(xs[i]);
                break;
            case PointwiseKind.HardSilu:
                for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] * HardSigmoidOf(xs[i]);
                break;
            case PointwiseKind.Mish:
                for (int i = 0; i < xs.Length; i++) ys[i] = xs[i] * MathF.Tanh(SoftplusOf(xs[i]));
                break;
        }
        return OpNode.Needed(x) ? new PointwiseNode(x, kind, parameter).Attach(y) : y;
    }

    private sealed class PointwiseNode(Tensor x, PointwiseKind kind, float parameter) : OpNode(x)
    {
        public override string Name => kind.ToString();

        public override void Backward(Tensor output, Tensor dy)
        {
            if (kind == PointwiseKind.Gelu) // f′ = Φ(x) + x·φ(x), written into a fresh gradient when it can
            {
                if (GradForWrite(0, out bool accumulate) is { } fresh) GeluKernel.Backward(x.Span, dy.Span, fresh.Span, accumulate);
                return;
            }
            if (GradOf(0) is not { } dx) return;
            var xs = x.Span;
            var ys = output.Span;
            var g = dy.Span;
            var d = dx.Span;
            switch (kind)
            {
                case PointwiseKind.LeakyRelu:
                    for (int i = 0; i < d.Length; i++) d[i] += g[i] * (xs[i] > 0 ? 1f : parameter);
                    break;
                case PointwiseKind.Elu: // f′ = α·eˣ = y + α for x ≤ 0
                    for (int i = 0; i < d.Length; i++) d[i] += g[i] * (xs[i] > 0 ? 1f : ys[i] + parameter);
                    break;
                case PointwiseKind.Selu: // f′ = scale·α·eˣ = y + scale·α for x ≤ 0
                    for (int i = 0; i < d.Length; i++) d[i] += g[i] * (xs[i] > 0 ? SeluScale : ys[i] + SeluScale * SeluAlpha);
                    break;
                case PointwiseKind.Swish: // f′ = σ(x)·(1 + x·(1 − σ(x)))
                    for (int i = 0; i < d.Length; i++)
                    {
                        float s = 1f / (1f + MathF.Exp(-xs[i]));
                        d[i] += g[i] * s * (1f + xs[i] * (1f - s));
                    }
                    break;
                case PointwiseKind.Softplus: // f′ = σ(x)
                    for (int i = 0; i < d.Length; i++) d[i] += g[i] / (1f + MathF.Exp(-xs[i]));
                    break;
                case PointwiseKind.Softsign: // f′ = 1/(1 + |x|)²
                    for (int i = 0; i < d.Length; i++)
                    {
                        float a = 1f + MathF.Abs(xs[i]);
                        d[i] += g[i] / (a * a);
                    }
                    break;
                case PointwiseKind.HardSigmoid: // f′ = 1/6 inside (−3, 3), 0 where clipped
                    for (int i = 0; i < d.Length; i++) d[i] += xs[i] > -3f && xs[i] < 3f ? g[i] / 6f : 0f;
                    break;
                case PointwiseKind.HardSilu: // f′ = x/3 + ½ inside (−3, 3), 1 above, 0 below
                    for (int i = 0; i < d.Length; i++)
                        d[i] += g[i] * (xs[i] >= 3f ? 1f : xs[i] <= -3f ? 0f : xs[i] / 3f + 0.5f);
                    break;
                case PointwiseKind.Mish: // f′ = tanh(sp) + x·(1 − tanh²(sp))·σ(x), sp = softplus(x)
                    for (int i = 0; i < d.Length; i++)
                    {
                        float t = MathF.Tanh(SoftplusOf(xs[i]));
                        float s = 1f / (1f + MathF.Exp(-xs[i]));
                        d[i] += g[i] * (t + xs[i] * (1f - t * t) * s);
                    }
                    break;
            }
        }
    }
}
