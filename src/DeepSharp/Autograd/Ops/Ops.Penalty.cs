using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// The weight penalty of Keras's L1L2 regularizer as one scalar: l1·Σ|x| + l2·Σx² (no ½ on the
    /// L2 term), times <paramref name="scale"/>, plus <paramref name="addend"/> (a scalar) when given —
    /// so a training step adds each penalty to its loss with one graph node. Each sum runs in double
    /// and is rounded to float before it is scaled, as a float32 sum would be; a zero factor leaves
    /// its term out. Backward: dx += dy·scale·(l1·sign(x) + 2·l2·x), with sign(0) = 0, and
    /// d(addend) += dy.
    /// </summary>
    public static Tensor WeightPenalty(Tensor x, float l1, float l2, float scale = 1f, Tensor? addend = null)
    {
        if (addend is not null && addend.Size != 1)
            throw new ArgumentException($"WeightPenalty adds to a scalar; got {addend.Shape}.", nameof(addend));
        var xs = x.Span;
        double abs = 0, squares = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            abs += Math.Abs(v);
            squares += v * v;
        }
        float penalty = 0f;
        if (l1 != 0f) penalty += l1 * (float)abs;
        if (l2 != 0f) penalty += l2 * (float)squares;
        if (scale != 1f) penalty *= scale;
        var y = Tensor.Temp(Shape.Scalar);
        y.Span[0] = addend is null ? penalty : addend.Span[0] + penalty;
        if (addend is null) return OpNode.Needed(x) ? new WeightPenaltyNode(x, null, l1 * scale, 2f * l2 * scale).Attach(y) : y;
        return OpNode.Needed(x, addend) ? new WeightPenaltyNode(x, addend, l1 * scale, 2f * l2 * scale).Attach(y) : y;
    }

    private sealed class WeightPenaltyNode : OpNode
    {
        private readonly float _l1, _twiceL2;

        public WeightPenaltyNode(Tensor x, Tensor? addend, float l1, float twiceL2) : base(addend is null ? [x] : [x, addend]) =>
            (_l1, _twiceL2) = (l1, twiceL2);

        public override string Name => "WeightPenalty";

        public override void Backward(Tensor output, Tensor dy)
        {
            float g = dy.Span[0];
            if (InputCount > 1 && GradOf(1) is { } da) da.Span[0] += g;
            if (GradOf(0) is not { } dx) return;
            float a = g * _l1, b = g * _twiceL2;
            var xs = Input(0).Span;
            var d = dx.Span;
            for (int i = 0; i < xs.Length; i++)
            {
                float v = xs[i];
                d[i] += a * (v > 0f ? 1f : v < 0f ? -1f : 0f) + b * v;
            }
        }
    }
}
