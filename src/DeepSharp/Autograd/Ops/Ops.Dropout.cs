using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: zeroes each element with probability <paramref name="rate"/> and scales
    /// the rest by 1/(1 − rate), so inference needs no rescaling. Each call draws a 64-bit key from
    /// <paramref name="generator"/> (two <see cref="RandomGenerator.NextUInt"/>s) and element i's decision is
    /// Philox4x32-10 of (key, i) (<see cref="DropoutMaskKernel"/>): the same mask at any thread count and
    /// instruction set.
    /// </summary>
    public static Tensor Dropout(Tensor x, float rate, RandomGenerator generator)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        if (rate == 0f) return x;
        var mask = x.TempLike();
        var y = x.TempLike();
        float keep = 1f / (1f - rate);
        // The key of this call's counter-based mask: two draws, whatever the size, so the generator's
        // state after a call (and a checkpoint's resume) does not depend on how the mask is computed.
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        DropoutMaskKernel.Apply(x.Span, mask.Span, y.Span, k0, k1, DropoutMaskKernel.Threshold(rate), keep);
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
