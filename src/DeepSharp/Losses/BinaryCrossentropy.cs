using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Binary cross-entropy, averaged over the last axis (or Keras's <c>axis</c>), for targets in [0, 1] of the predictions' shape.
/// On logits (or probabilities straight from a sigmoid, which are fused with it) it uses the stable
/// form max(x, 0) − x·z + log(1 + e^(−|x|)); other probabilities are clipped to [1e−7, 1 − 1e−7] as
/// Keras does. With labelSmoothing s the targets become z·(1 − s) + s/2. <c>axis</c> (Keras's, −1 by default) is the
/// features axis averaged over: axis 1 of (batch, units, positions) gives one loss per position, (batch, positions).
/// </summary>
/// <param name="fromLogits">True when the model outputs raw scores (no sigmoid); PyTorch's BCEWithLogitsLoss.</param>
/// <param name="labelSmoothing">s in [0, 1]: how much probability mass moves from the targets towards uniform (0: none).</param>
/// <param name="axis">The axis averaged over (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1], or <paramref name="axis"/> is 0.</exception>
public sealed class BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int axis = -1) : Loss
{
    /// <summary>Whether predictions are logits (any real number) rather than probabilities in [0, 1].</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>Smoothing s in [0, 1]: targets z are trained as z·(1 − s) + s/2.</summary>
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    /// <summary>The axis the elementwise losses are averaged over (negative counts from the end).</summary>
    public int Axis { get; } = CheckAxis(axis, "BinaryCrossentropy");
    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <summary>The loss averaged over <see cref="Axis"/>: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape, or the axis is not one of the predictions' non-batch axes.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var logits = FromLogits ? yPred : Ops.SigmoidLogits(yPred);
        (yTrue, yPred) = Aligned(yTrue, yPred, "BinaryCrossentropy");
        yTrue = Labels.Smooth(yTrue, LabelSmoothing, 0.5f);
        if (logits is not null) return MeanOverAxis(Ops.SigmoidCrossEntropy(Ops.Reshape(logits, yTrue.Shape), yTrue), Axis, "BinaryCrossentropy");
        return Ops.Affine(MeanOverAxis(FromProbabilities(yTrue, yPred), Axis, "BinaryCrossentropy"), -1f);
    }

    /// <summary>z·log p + (1 − z)·log(1 − p) elementwise with p clipped to [1e−7, 1 − 1e−7]: the negated loss.</summary>
    internal static Tensor FromProbabilities(Tensor yTrue, Tensor yPred)
    {
        var p = Ops.Clip(yPred, CategoricalCrossentropy.Epsilon, 1f - CategoricalCrossentropy.Epsilon);
        var positive = Ops.Multiply(yTrue, Ops.Log(p));
        var negative = Ops.Multiply(Ops.Affine(yTrue, -1f, 1f), Ops.Log(Ops.Affine(p, -1f, 1f)));
        return Ops.Add(positive, negative);
    }
}
