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
        var y = x.TempLike();
        Span<float> m = mask.Span, ys = y.Span;
        ReadOnlySpan<float> xs = x.Span;
        float keep = 1f / (1f - rate);
        // One pass over memory: each chunk's mask is multiplied in while it is still in L1.
        for (int start = 0; start < m.Length; start += DropoutChunk)
        {
            int length = Math.Min(DropoutChunk, m.Length - start);
            var chunk = m.Slice(start, length);
            generator.FillDropoutMask(chunk, rate, keep);
            TensorPrimitives.Multiply(xs.Slice(start, length), chunk, ys.Slice(start, length));
        }
        return OpNode.Needed(x) ? new DropoutNode(x, mask).Attach(y) : y;
    }

    private const int DropoutChunk = 2048;

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
