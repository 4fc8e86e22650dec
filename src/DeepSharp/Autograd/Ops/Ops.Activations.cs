using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    public static Tensor Relu(Tensor x)
    {
        var y = x.TempLike();
        Activations.Relu(x.Span, y.Span);
        return OpNode.Needed(x) ? new ReluNode(x).Attach(y) : y;
    }

    public static Tensor Sigmoid(Tensor x)
    {
        var y = x.TempLike();
        Activations.Sigmoid(x.Span, y.Span);
        return OpNode.Needed(x) ? new SigmoidNode(x).Attach(y) : y;
    }

    public static Tensor Tanh(Tensor x)
    {
        var y = x.TempLike();
        Activations.Tanh(x.Span, y.Span);
        return OpNode.Needed(x) ? new TanhNode(x).Attach(y) : y;
    }

    private sealed class ReluNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Relu";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Activations.ReluBackward(x.Span, dy.Span, dx.Span);
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
