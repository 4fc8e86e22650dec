using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

/// <summary>
/// The random regularizers besides <see cref="Dropout"/>: each is meant for training only (the layers are
/// the identity at inference) and, as Dropout, draws a 64-bit key from the generator it is given (two
/// <see cref="RandomGenerator.NextUInt"/>s per call, whatever the size) and computes element i's noise from
/// Philox4x32-10 of (key, i): the same noise at any thread count and instruction set, and a generator
/// state after a call (hence a checkpoint's resume) that does not depend on the tensor's size.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Spatial dropout on x (batch, …, channels): for each sample, whole channels are zeroed with
    /// probability <paramref name="rate"/> (the same channels at every position), the rest scaled by
    /// 1/(1 − rate). Decision (sample b, channel c) is <see cref="DropoutMaskKernel"/>'s element b·channels + c.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    /// <exception cref="ShapeMismatchException">x has fewer than two axes.</exception>
    public static Tensor SpatialDropout(Tensor x, float rate, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Spatial dropout rate must be in [0, 1).");
        if (x.Rank < 2) throw new ShapeMismatchException($"SpatialDropout needs x (batch, …, channels); got {x.Shape}.");
        if (rate == 0f) return x;
        int batch = x.Shape[0], channels = x.Shape[-1];
        int positions = batch == 0 || channels == 0 ? 0 : x.Size / batch / channels;
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        var mask = Tensor.Temp(new Shape(batch, channels));
        var ones = Tensor.Temp(new Shape(batch, channels));
        ones.Span.Fill(1f);
        DropoutMaskKernel.Apply(ones.Span, mask.Span, ones.Span, k0, k1, DropoutMaskKernel.Threshold(rate), 1f / (1f - rate));
        var y = x.TempLike();
        SpatialMaskKernel.Apply(x.Span, mask.Span, y.Span, batch, positions, channels, accumulate: false);
        return OpNode.Needed(x) ? new SpatialDropoutNode(x, mask, positions).Attach(y) : y;
    }

    private sealed class SpatialDropoutNode(Tensor x, Tensor mask, int positions) : OpNode(x)
    {
        public override string Name => "SpatialDropout";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradForWrite(0, out bool accumulate) is not { } dx) return;
            SpatialMaskKernel.Apply(dy.Span, mask.Span, dx.Span, mask.Shape[0], positions, mask.Shape[1], accumulate);
        }
    }

    /// <summary>x + N(0, <paramref name="stddev"/>²) noise, one normal per element (<see cref="NormalNoiseKernel"/>); the gradient passes through unchanged.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stddev"/> is negative or not finite.</exception>
    public static Tensor GaussianNoise(Tensor x, float stddev, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(float.IsFinite(stddev) && stddev >= 0f)) throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "Gaussian noise stddev must be a finite number ≥ 0.");
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        var y = x.TempLike();
        NormalNoiseKernel.Apply(x.Span, [], y.Span, k0, k1, 0f, stddev, NoiseCombine.Add);
        return OpNode.Needed(x) ? new GaussianNoiseNode(x).Attach(y) : y;
    }

    private sealed class GaussianNoiseNode(Tensor x) : OpNode(x)
    {
        public override string Name => "GaussianNoise";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradForWrite(0, out bool accumulate) is not { } dx) return;
            if (accumulate) TensorPrimitives.Add(dx.Span, dy.Span, dx.Span);
            else dy.Span.CopyTo(dx.Span);
        }
    }

    /// <summary>
    /// x · N(1, rate/(1 − rate)) noise, one normal per element (Keras's GaussianDropout: the same mean
    /// and variance as dropout at that rate; <see cref="NormalNoiseKernel"/>); the gradient is dy times the same noise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public static Tensor GaussianDropout(Tensor x, float rate, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Gaussian dropout rate must be in [0, 1).");
        if (rate == 0f) return x;
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        var noise = x.TempLike();
        var y = x.TempLike();
        NormalNoiseKernel.Apply(x.Span, noise.Span, y.Span, k0, k1, 1f, (float)Math.Sqrt(rate / (1.0 - rate)), NoiseCombine.Multiply);
        return OpNode.Needed(x) ? new DropoutNode(x, noise).Attach(y) : y;
    }

    /// <summary>
    /// AlphaDropout's training pass, one decision per element of x: kept elements map to a·x + b, dropped
    /// ones to <paramref name="dropped"/> (a·α' + b); decisions are <see cref="DropoutMaskKernel"/>'s. The gradient is dy·a where kept, 0 where dropped.
    /// </summary>
    internal static Tensor AlphaDropout(Tensor x, float rate, float a, float b, float dropped, RandomGenerator generator)
    {
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        var mask = x.TempLike();
        var y = x.TempLike();
        AlphaDropoutKernel.Apply(x.Span, mask.Span, y.Span, k0, k1, DropoutMaskKernel.Threshold(rate), a, b, dropped);
        return OpNode.Needed(x) ? new DropoutNode(x, mask).Attach(y) : y;
    }

    /// <summary>
    /// AlphaDropout's per-decision (scale, shift) for a noise shape smaller than the input: scale = a and
    /// shift = b where kept, scale = 0 and shift = <paramref name="dropped"/> where dropped, from one key of
    /// <paramref name="generator"/> (the decisions of <see cref="AlphaDropout(Tensor, float, float, float, float, RandomGenerator)"/> for a tensor of that shape).
    /// </summary>
    internal static (Tensor Scale, Tensor Shift) AlphaDropoutAffine(Shape noise, float rate, float a, float b, float dropped, RandomGenerator generator)
    {
        uint k0 = generator.NextUInt(), k1 = generator.NextUInt();
        var zeros = Tensor.Temp(noise, clear: true);
        var scale = Tensor.Temp(noise);
        var shift = Tensor.Temp(noise);
        AlphaDropoutKernel.Apply(zeros.Span, scale.Span, shift.Span, k0, k1, DropoutMaskKernel.Threshold(rate), a, b, dropped);
        return (scale, shift);
    }
}
