using DeepSharp.Tensors;
using SoftmaxKernel = DeepSharp.Kernels.Cpu.Softmax;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Softmax over the last axis.</summary>
    public static Tensor Softmax(Tensor x)
    {
        var (rows, cols) = RowsAndLastAxis(x, "Softmax");
        var y = x.TempLike();
        SoftmaxKernel.Forward(x.Span, y.Span, rows, cols);
        return OpNode.Needed(x) ? new SoftmaxNode(x).Attach(y) : y;
    }

    /// <summary>Log-softmax over the last axis.</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        var (rows, cols) = RowsAndLastAxis(x, "LogSoftmax");
        var y = x.TempLike();
        SoftmaxKernel.LogForward(x.Span, y.Span, rows, cols);
        return OpNode.Needed(x) ? new LogSoftmaxNode(x).Attach(y) : y;
    }

    /// <summary>
    /// If <paramref name="probabilities"/> came straight out of <see cref="Softmax"/>, the logits
    /// it was computed from (so losses can fuse softmax with cross-entropy, as Keras does).
    /// </summary>
    public static Tensor? SoftmaxLogits(Tensor probabilities) =>
        probabilities.GradFn is SoftmaxNode node ? node.Inputs[0] : null;

    private static (int Rows, int Cols) RowsAndLastAxis(Tensor x, string op)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"{op} needs at least one axis; got a scalar.");
        int cols = x.Shape[-1];
        return (cols == 0 ? 0 : x.Size / cols, cols);
    }

    private sealed class SoftmaxNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Softmax";
        public override void Backward(Tensor y, Tensor dy)
        {
            var (rows, cols) = RowsAndLastAxis(y, Name);
            if (GradOf(0) is { } dx) SoftmaxKernel.Backward(y.Span, dy.Span, dx.Span, rows, cols);
        }
    }

    private sealed class LogSoftmaxNode(Tensor x) : OpNode(x)
    {
        public override string Name => "LogSoftmax";
        public override void Backward(Tensor y, Tensor dy)
        {
            var (rows, cols) = RowsAndLastAxis(y, Name);
            if (GradOf(0) is { } dx) SoftmaxKernel.LogBackward(y.Span, dy.Span, dx.Span, rows, cols);
        }
    }
}
