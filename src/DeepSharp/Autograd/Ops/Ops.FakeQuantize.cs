using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Quantization-aware training's fake quantization of activations: x rounded to the u8 grid
    /// (scale, zeroPoint) and back to float. The gradient is the straight-through estimator: dy
    /// where x lies inside the grid's range [−z·s, (255 − z)·s], 0 where it was clipped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite, or the zero point is outside [0, 255].</exception>
    public static Tensor FakeQuantize(Tensor x, float scale, int zeroPoint)
    {
        if (!(scale > 0f) || !float.IsFinite(scale) || zeroPoint is < 0 or > 255)
            throw new ArgumentOutOfRangeException(nameof(scale), $"FakeQuantize needs a positive finite scale and a zero point in [0, 255]; got {scale}, {zeroPoint}.");
        var y = x.TempLike();
        FakeQuantKernel.Activations(x.Span, scale, zeroPoint, y.Span);
        return OpNode.Needed(x) ? new FakeQuantizeNode(x, scale, zeroPoint).Attach(y) : y;
    }

    /// <summary>
    /// Fake quantization of a kernel to per-output-channel symmetric int8 (the last axis is the
    /// channel; scale max|w| / 127). The gradient passes straight through (no weight is clipped:
    /// the scale is the channel's own maximum).
    /// </summary>
    public static Tensor FakeQuantizeChannels(Tensor w)
    {
        var y = w.TempLike();
        FakeQuantKernel.Channels(w.Span, w.Shape[-1], y.Span);
        return OpNode.Needed(w) ? new StraightThroughNode(w).Attach(y) : y;
    }

    private sealed class FakeQuantizeNode(Tensor x, float scale, int zeroPoint) : OpNode(x)
    {
        public override string Name => "FakeQuantize";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) FakeQuantKernel.ActivationsBackward(Input(0).Span, dy.Span, scale, zeroPoint, dx.Span);
        }
    }

    private sealed class StraightThroughNode(Tensor w) : OpNode(w)
    {
        public override string Name => "FakeQuantizeChannels";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dw) System.Numerics.Tensors.TensorPrimitives.Add(dw.Span, dy.Span, dw.Span);
        }
    }
}
