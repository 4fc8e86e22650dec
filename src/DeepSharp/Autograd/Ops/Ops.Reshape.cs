using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>The same elements in a new shape (a free view); one dimension may be −1.</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var y = x.View(shape);
        return OpNode.Needed(x) ? new ReshapeNode(x).Attach(y) : y;
    }

    private sealed class ReshapeNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Reshape";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) Broadcasting.AccumulateReduced(dy.View(x.Shape.ToArray()), dx);
        }
    }
}
