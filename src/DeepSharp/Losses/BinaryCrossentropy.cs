using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Binary cross-entropy, averaged over the last axis, for targets in [0, 1] of the predictions' shape.
/// On logits (or probabilities straight from a sigmoid, which are fused with it) it uses the stable
/// form max(x, 0) − x·z + log(1 + e^(−|x|)); other probabilities are clipped to [1e−7, 1 − 1e−7] as
/// Keras does. With labelSmoothing s the targets become z·(1 − s) + s/2.
/// </summary>
public sealed class BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0f) : Loss
{
    public bool FromLogits { get; } = fromLogits;
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    public override string Name => "binary_crossentropy";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var logits = FromLogits ? yPred : Ops.SigmoidLogits(yPred);
        (yTrue, yPred) = Aligned(yTrue, yPred, "BinaryCrossentropy");
        yTrue = Labels.Smooth(yTrue, LabelSmoothing, 0.5f);
        if (logits is not null) return MeanLastAxis(Ops.SigmoidCrossEntropy(Ops.Reshape(logits, yTrue.Shape), yTrue));
        // −(z·log p + (1 − z)·log(1 − p)) with p clipped.
        var p = Ops.Clip(yPred, CategoricalCrossentropy.Epsilon, 1f - CategoricalCrossentropy.Epsilon);
        var positive = Ops.Multiply(yTrue, Ops.Log(p));
        var negative = Ops.Multiply(Ops.Affine(yTrue, -1f, 1f), Ops.Log(Ops.Affine(p, -1f, 1f)));
        return Ops.Affine(MeanLastAxis(Ops.Add(positive, negative)), -1f);
    }
}
