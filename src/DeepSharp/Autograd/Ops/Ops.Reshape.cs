using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>The same elements in a new shape (a free view); one dimension may be −1.</summary>
    public static Tensor Reshape(Tensor x, params ReadOnlySpan<int> shape) => Reshape(x, x.ResolveShape(shape));

    /// <summary>The same elements in <paramref name="shape"/> (a free view).</summary>
    public static Tensor Reshape(Tensor x, Shape shape)
    {
        var y = x.TempView(shape);
        return OpNode.Needed(x) ? new ReshapeNode(x).Attach(y) : y;
    }

    private sealed class ReshapeNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Reshape";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (!x.RequiresGrad) return;
            // An intermediate without a gradient yet can take dy's memory as its own (a view, no
            // copy): dy is complete here and nothing reads it after this node.
            if (x.Grad is null && !x.IsLeaf) x.Grad = dy.TempView(x.Shape);
            else Broadcasting.AccumulateReduced(dy.TempView(x.Shape), GradOf(0)!);
        }
    }
}
