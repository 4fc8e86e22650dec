using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>Elementwise pieces of the regression and binary losses, each with its backward rule.</summary>
public static partial class Ops
{
    /// <summary>|x|; the gradient at 0 is 0 (sign(0)).</summary>
    public static Tensor Abs(Tensor x)
    {
        var y = x.TempLike();
        System.Numerics.Tensors.TensorPrimitives.Abs(x.Span, y.Span);
        return OpNode.Needed(x) ? new AbsNode(x).Attach(y) : y;
    }

    /// <summary>
    /// Huber's function of an error e: ½e² where |e| ≤ δ, else δ·|e| − ½δ² (Keras's Huber, elementwise).
    /// </summary>
    public static Tensor Huber(Tensor error, float delta)
    {
        if (!(delta > 0f)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "Huber delta must be positive.");
        var y = error.TempLike();
        var e = error.Span;
        var ys = y.Span;
        for (int i = 0; i < e.Length; i++)
        {
            float a = MathF.Abs(e[i]);
            ys[i] = a <= delta ? 0.5f * e[i] * e[i] : delta * a - 0.5f * delta * delta;
        }
        return OpNode.Needed(error) ? new HuberNode(error, delta).Attach(y) : y;
    }

    /// <summary>
    /// log(cosh(e)) elementwise (Keras's log_cosh), computed as |e| + log(1 + e^(−2|e|)) − log 2 so that large
    /// errors do not overflow; the gradient is tanh(e).
    /// </summary>
    public static Tensor LogCosh(Tensor error)
    {
        var y = error.TempLike();
        var e = error.Span;
        var ys = y.Span;
        for (int i = 0; i < e.Length; i++)
        {
            float a = MathF.Abs(e[i]);
            ys[i] = a + MathF.Log(1f + MathF.Exp(-2f * a)) - Ln2;
        }
        return OpNode.Needed(error) ? new LogCoshNode(error).Attach(y) : y;
    }

    private const float Ln2 = 0.6931472f;

    /// <summary>
    /// Binary cross-entropy on logits x against targets z, elementwise, in the stable form
    /// max(x, 0) − x·z + log(1 + e^(−|x|)). The gradient with respect to x is σ(x) − z; targets get none.
    /// </summary>
    public static Tensor SigmoidCrossEntropy(Tensor logits, Tensor targets)
    {
        if (logits.Shape != targets.Shape)
            throw new ShapeMismatchException($"SigmoidCrossEntropy needs logits and targets of one shape; got {logits.Shape} and {targets.Shape}.");
        var y = logits.TempLike();
        var x = logits.Span;
        var z = targets.Span;
        var ys = y.Span;
        for (int i = 0; i < x.Length; i++)
            ys[i] = MathF.Max(x[i], 0f) - x[i] * z[i] + MathF.Log(1f + MathF.Exp(-MathF.Abs(x[i])));
        return OpNode.Needed(logits) ? new SigmoidCrossEntropyNode(logits, targets).Attach(y) : y;
    }

    /// <summary>
    /// If <paramref name="probabilities"/> came straight out of <see cref="Sigmoid"/>, the logits it
    /// was computed from (so binary cross-entropy can fuse with it).
    /// </summary>
    public static Tensor? SigmoidLogits(Tensor probabilities) =>
        probabilities.GradFn is SigmoidNode node ? node.Inputs[0] : null;

    /// <summary>x / √max(Σx², 1e−12) over the last axis (Keras's l2_normalize).</summary>
    public static Tensor L2NormalizeLastAxis(Tensor x)
    {
        var (rows, cols) = RowsAndLastAxis(x, "L2NormalizeLastAxis");
        var y = x.TempLike();
        var norms = Tensor.Temp(new Shape(rows));
        var xs = x.Span;
        var ys = y.Span;
        var ns = norms.Span;
        var clamped = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            double sum = 0;
            foreach (float v in row) sum += (double)v * v;
            clamped[r] = sum < L2Epsilon;
            ns[r] = (float)Math.Sqrt(Math.Max(sum, L2Epsilon));
            for (int c = 0; c < cols; c++) ys[r * cols + c] = row[c] / ns[r];
        }
        return OpNode.Needed(x) ? new L2NormalizeNode(x, norms, clamped).Attach(y) : y;
    }

    private const double L2Epsilon = 1e-12;

    private sealed class AbsNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Abs";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var xs = x.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] * MathF.Sign(xs[i]);
        }
    }

    private sealed class HuberNode(Tensor error, float delta) : OpNode(error)
    {
        public override string Name => "Huber";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var e = error.Span;
            // ∂/∂e: e inside [−δ, δ], δ·sign(e) outside.
            for (int i = 0; i < d.Length; i++) d[i] += g[i] * (MathF.Abs(e[i]) <= delta ? e[i] : delta * MathF.Sign(e[i]));
        }
    }

    private sealed class LogCoshNode(Tensor error) : OpNode(error)
    {
        public override string Name => "LogCosh";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var e = error.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] * MathF.Tanh(e[i]);
        }
    }

    private sealed class SigmoidCrossEntropyNode(Tensor logits, Tensor targets) : OpNode(logits)
    {
        public override string Name => "SigmoidCrossEntropy";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var x = logits.Span;
            var z = targets.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] * (1f / (1f + MathF.Exp(-x[i])) - z[i]);
        }
    }

    private sealed class L2NormalizeNode(Tensor x, Tensor norms, bool[] sumsClamped) : OpNode(x)
    {
        public override string Name => "L2Normalize";
        public override void Backward(Tensor y, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var (rows, cols) = RowsAndLastAxis(x, Name);
            var d = dx.Span;
            var g = dy.Span;
            var ys = y.Span;
            var ns = norms.Span;
            for (int r = 0; r < rows; r++)
            {
                // y = x/n with n = ‖x‖: dx = (dy − y·(dy·y))/n; where n is the clamp constant, dx = dy/n.
                double dot = 0;
                if (!sumsClamped[r]) for (int c = 0; c < cols; c++) dot += (double)g[r * cols + c] * ys[r * cols + c];
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    d[i] += (float)((g[i] - ys[i] * dot) / ns[r]);
                }
            }
        }
    }
}
