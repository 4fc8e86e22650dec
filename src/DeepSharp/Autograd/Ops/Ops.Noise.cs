using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// The random regularizers besides <see cref="Dropout"/>: each draws its noise from the generator it
/// is given, as Dropout does, and is meant for training only (the layers are the identity at inference).
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Spatial dropout on x (batch, …, channels): for each sample, whole channels are zeroed with
    /// probability <paramref name="rate"/> (the same channels at every position), the rest scaled by
    /// 1/(1 − rate). One draw per (sample, channel), in that order.
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
        var mask = x.TempLike();
        var m = mask.Span;
        float keep = 1f / (1f - rate);
        for (int b = 0; b < batch && positions > 0; b++)
        {
            var first = m.Slice(b * positions * channels, channels); // drawn at the first position, copied to the others
            for (int c = 0; c < channels; c++) first[c] = generator.NextFloat() >= rate ? keep : 0f;
            for (int p = 1; p < positions; p++) first.CopyTo(m.Slice((b * positions + p) * channels, channels));
        }
        return MultiplyByMask(x, mask);
    }

    /// <summary>x + N(0, <paramref name="stddev"/>²) noise, one draw per element; the gradient passes through unchanged.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stddev"/> is negative or not finite.</exception>
    public static Tensor GaussianNoise(Tensor x, float stddev, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(float.IsFinite(stddev) && stddev >= 0f)) throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "Gaussian noise stddev must be a finite number ≥ 0.");
        var noise = x.TempLike();
        generator.FillNormal(noise.Span, 0f, stddev);
        return Add(x, noise);
    }

    /// <summary>
    /// x · N(1, rate/(1 − rate)) noise, one draw per element (Keras's GaussianDropout: the same mean
    /// and variance as dropout at that rate); the gradient is dy times the same noise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
    public static Tensor GaussianDropout(Tensor x, float rate, RandomGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Gaussian dropout rate must be in [0, 1).");
        if (rate == 0f) return x;
        var noise = x.TempLike();
        generator.FillNormal(noise.Span, 1f, (float)Math.Sqrt(rate / (1.0 - rate)));
        return MultiplyByMask(x, noise);
    }

    /// <summary>x ⊙ mask for a mask of x's shape that needs no gradient (dropout's backward rule).</summary>
    private static Tensor MultiplyByMask(Tensor x, Tensor mask)
    {
        var y = x.TempLike();
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, mask.Span, y.Span);
        return OpNode.Needed(x) ? new DropoutNode(x, mask).Attach(y) : y;
    }
}
