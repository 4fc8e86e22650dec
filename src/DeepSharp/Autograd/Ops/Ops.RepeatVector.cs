using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Keras's RepeatVector: x (batch, features) → (batch, <paramref name="n"/>, features), each row
    /// repeated n times. The gradient of a row is the sum of its n copies' gradients.
    /// </summary>
    /// <exception cref="ShapeMismatchException">x is not (batch, features), or the output has more than 2^31 − 1 elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not positive.</exception>
    public static Tensor RepeatVector(Tensor x, int n)
    {
        if (x.Rank != 2) throw new ShapeMismatchException($"RepeatVector needs x (batch, features); got {x.Shape}.");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "RepeatVector needs n ≥ 1.");
        int batch = x.Shape[0], features = x.Shape[1];
        if ((long)x.Size * n > int.MaxValue)
            throw new ShapeMismatchException($"RepeatVector of x {x.Shape} {n} times has more than 2^31 − 1 elements.");
        var y = Tensor.Temp(new Shape(batch, n, features));
        var xs = x.Span;
        var ys = y.Span;
        for (int b = 0; b < batch; b++)
        {
            var row = xs.Slice(b * features, features);
            for (int t = 0; t < n; t++) row.CopyTo(ys.Slice((b * n + t) * features, features));
        }
        return OpNode.Needed(x) ? new RepeatVectorNode(x, n).Attach(y) : y;
    }

    private sealed class RepeatVectorNode(Tensor x, int n) : OpNode(x)
    {
        public override string Name => "RepeatVector";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            int batch = x.Shape[0], features = x.Shape[1];
            var g = dy.Span;
            var d = dx.Span;
            for (int b = 0; b < batch; b++)
            {
                var row = d.Slice(b * features, features);
                for (int t = 0; t < n; t++) TensorPrimitives.Add(row, g.Slice((b * n + t) * features, features), row);
            }
        }
    }
}
