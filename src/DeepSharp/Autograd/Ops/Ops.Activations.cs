using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>max(x, 0) elementwise; the gradient is dy where x &gt; 0, else 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        var y = x.TempLike();
        Activations.Relu(x.Span, y.Span);
        return OpNode.Needed(x) ? new ReluNode(x).Attach(y) : y;
    }

    /// <summary>1 / (1 + e⁻ˣ) elementwise, in (0, 1).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var y = x.TempLike();
        Activations.Sigmoid(x.Span, y.Span);
        return OpNode.Needed(x) ? new SigmoidNode(x).Attach(y) : y;
    }

    /// <summary>Hyperbolic tangent elementwise, in (−1, 1).</summary>
    public static Tensor Tanh(Tensor x)
    {
        var y = x.TempLike();
        Activations.Tanh(x.Span, y.Span);
        return OpNode.Needed(x) ? new TanhNode(x).Attach(y) : y;
    }

    private sealed class ReluNode(Tensor x) : OpNode(x), IReluOutputNode
    {
        private ReluMaskedGradient _masked;

        public override string Name => "Relu";

        public bool ReluOutput => true;

        public void GradientMasked(Tensor gradient) => _masked.Record(gradient);

        public override void Backward(Tensor output, Tensor dy)
        {
            if (!x.RequiresGrad) return;
            // An intermediate without a gradient yet takes dy's buffer, masked in place: dy is
            // complete here and nothing reads it after this node (saves a zero-fill and a pass).
            // A consumer that wrote dy first may have masked it already (max-pooling does).
            if (x.Grad is null && !x.IsLeaf && dy.Shape == x.Shape)
            {
                if (!_masked.Holds(dy)) Activations.ReluMaskGradient(x.Span, dy.Span);
                x.Grad = dy;
            }
            else Activations.ReluBackward(x.Span, dy.Span, GradOf(0)!.Span);
        }
    }

    private sealed class SigmoidNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Sigmoid";
        public override void Backward(Tensor y, Tensor dy)
        {
            if (GradOf(0) is { } dx) Activations.SigmoidBackward(y.Span, dy.Span, dx.Span);
        }
    }

    private sealed class TanhNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Tanh";
        public override void Backward(Tensor y, Tensor dy)
        {
            if (GradOf(0) is { } dx) Activations.TanhBackward(y.Span, dy.Span, dx.Span);
        }
    }
}
