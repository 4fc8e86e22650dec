using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: zeroes each element with probability <paramref name="rate"/> and scales
    /// the rest by 1/(1 − rate), so inference needs no rescaling. Masks come from <paramref name="generator"/>.
    /// </summary>
    public static Tensor Dropout(Tensor x, float rate, RandomGenerator generator)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        if (rate == 0f) return x;
        var mask = x.TempLike();
        var m = mask.Span;
        float keep = 1f / (1f - rate);
        for (int i = 0; i < m.Length; i++) m[i] = generator.NextFloat() >= rate ? keep : 0f;
        var y = x.TempLike();
        TensorPrimitives.Multiply(x.Span, m, y.Span);
        return OpNode.Needed(x) ? new DropoutNode(x, mask).Attach(y) : y;
    }

    private sealed class DropoutNode(Tensor x, Tensor mask) : OpNode(x)
    {
        public override string Name => "Dropout";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradForWrite(0, out bool accumulate) is not { } dx) return;
            if (accumulate) TensorPrimitives.MultiplyAdd(dy.Span, mask.Span, dx.Span, dx.Span);
            else TensorPrimitives.Multiply(dy.Span, mask.Span, dx.Span);
        }
    }
}
