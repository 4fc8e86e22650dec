using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Binary focal cross-entropy (Lin et al., 2018), as Keras's BinaryFocalCrossentropy: the binary cross-entropy of
/// each element times (1 − p_t)^γ, with p_t = t·p + (1 − t)·(1 − p), so that examples already classified well count
/// less; with <see cref="ApplyClassBalancing"/> also times α for class 1 and 1 − α for class 0; averaged over the last
/// axis (or Keras's <c>axis</c>: axis 1 of (batch, units, positions) gives one loss per position). Label smoothing s turns targets t into t·(1 − s) + s/2 first. On logits (or probabilities straight from a
/// sigmoid) the cross-entropy takes the stable form of <see cref="BinaryCrossentropy"/>; other probabilities are
/// clipped to [1e−7, 1 − 1e−7] for it.
/// </summary>
/// <param name="applyClassBalancing">Whether to weigh class 1 by α and class 0 by 1 − α.</param>
/// <param name="alpha">α in [0, 1], the weight of class 1 when balancing (Keras's default 0.25).</param>
/// <param name="gamma">γ ≥ 0, the focusing exponent (0: plain binary cross-entropy).</param>
/// <param name="fromLogits">True when the model outputs raw scores (no sigmoid).</param>
/// <param name="labelSmoothing">s in [0, 1]: targets move towards ½.</param>
/// <param name="axis">The axis averaged over (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException">α is outside [0, 1], γ negative or not finite, the smoothing outside [0, 1], or the axis 0.</exception>
public sealed class BinaryFocalCrossentropy(bool applyClassBalancing = false, float alpha = 0.25f, float gamma = 2f, bool fromLogits = false, float labelSmoothing = 0f, int axis = -1) : Loss
{
    /// <summary>Whether class 1 is weighed by <see cref="Alpha"/> and class 0 by 1 − α.</summary>
    public bool ApplyClassBalancing { get; } = applyClassBalancing;
    /// <summary>α: the weight of class 1 when <see cref="ApplyClassBalancing"/> is set.</summary>
    public float Alpha { get; } = alpha is >= 0f and <= 1f ? alpha : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "BinaryFocalCrossentropy: alpha must be in [0, 1].");
    /// <summary>γ: the focusing exponent of (1 − p_t).</summary>
    public float Gamma { get; } = gamma >= 0f && float.IsFinite(gamma) ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "BinaryFocalCrossentropy: gamma must be a finite number ≥ 0.");
    /// <summary>Whether predictions are logits rather than probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>Smoothing s in [0, 1]: targets t are trained as t·(1 − s) + s/2.</summary>
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    /// <summary>The axis the elementwise losses are averaged over (negative counts from the end).</summary>
    public int Axis { get; } = CheckAxis(axis, "BinaryFocalCrossentropy");
    /// <inheritdoc/>
    public override string Name => "binary_focal_crossentropy";

    /// <summary>The loss averaged over <see cref="Axis"/>: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape, or the axis is not one of the predictions' non-batch axes.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var logits = FromLogits ? yPred : Ops.SigmoidLogits(yPred);
        (yTrue, yPred) = Aligned(yTrue, yPred, "BinaryFocalCrossentropy");
        var t = Labels.Smooth(yTrue, LabelSmoothing, 0.5f);
        Tensor p, crossEntropy;
        if (logits is not null)
        {
            logits = Ops.Reshape(logits, t.Shape);
            p = FromLogits ? Ops.Sigmoid(logits) : yPred;
            crossEntropy = Ops.SigmoidCrossEntropy(logits, t);
        }
        else
        {
            p = yPred;
            crossEntropy = Ops.Affine(BinaryCrossentropy.FromProbabilities(t, yPred), -1f);
        }
        // 1 − p_t = t·(1 − p) + (1 − t)·p.
        var miss = Ops.Add(Ops.Multiply(t, Ops.Affine(p, -1f, 1f)), Ops.Multiply(Ops.Affine(t, -1f, 1f), p));
        var focal = Gamma == 0f ? crossEntropy : Ops.Multiply(Ops.Pow(miss, Gamma), crossEntropy);   // γ = 0: no Pow, whose gradient at 0 would be 0·∞
        if (ApplyClassBalancing) focal = Ops.Multiply(focal, Ops.Affine(t, 2f * Alpha - 1f, 1f - Alpha));   // t·α + (1 − t)·(1 − α)
        return MeanOverAxis(focal, Axis, "BinaryFocalCrossentropy");
    }
}
