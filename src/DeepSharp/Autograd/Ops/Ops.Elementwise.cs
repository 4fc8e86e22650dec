using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>Natural logarithm.</summary>
    public static Tensor Log(Tensor x)
    {
        var y = x.TempLike();
        TensorPrimitives.Log(x.Span, y.Span);
        return OpNode.Needed(x) ? new LogNode(x).Attach(y) : y;
    }

    /// <summary>Clamps into [min, max]; the gradient is zero where clamped.</summary>
    public static Tensor Clip(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"Clip needs min ≤ max; got [{min}, {max}].");
        var y = x.TempLike();
        TensorPrimitives.Clamp(x.Span, min, max, y.Span);
        return OpNode.Needed(x) ? new ClipNode(x, min, max).Attach(y) : y;
    }

    private sealed class LogNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Log";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var xs = x.Span;
            for (int i = 0; i < d.Length; i++) d[i] += g[i] / xs[i];
        }
    }

    private sealed class ClipNode(Tensor x, float min, float max) : OpNode(x)
    {
        public override string Name => "Clip";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var d = dx.Span;
            var g = dy.Span;
            var xs = x.Span;
            for (int i = 0; i < d.Length; i++)
                if (xs[i] >= min && xs[i] <= max) d[i] += g[i];
        }
    }
}
