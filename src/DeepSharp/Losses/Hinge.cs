using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Hinge loss, as Keras: mean over the last axis of max(1 − t·p, 0) for targets t in {−1, 1}. Targets that are
/// all 0 or 1 are read as binary labels and turned into −1/1 (2t − 1) first, as Keras does.
/// </summary>
public sealed class Hinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "hinge";

    /// <summary>The loss averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Hinge");
        return MeanLastAxis(Margins(SignedLabels(yTrue), yPred));
    }

    /// <summary>max(1 − t·p, 0) elementwise.</summary>
    internal static Tensor Margins(Tensor signed, Tensor yPred) => Ops.Relu(Ops.Affine(Ops.Multiply(signed, yPred), -1f, 1f));

    /// <summary>Keras's convert_binary_labels_to_hinge: 2t − 1 when every target is 0 or 1, the targets unchanged otherwise.</summary>
    internal static Tensor SignedLabels(Tensor yTrue)
    {
        var t = yTrue.Span;
        foreach (float v in t)
            if (v != 0f && v != 1f) return yTrue;
        var signed = Tensor.Temp(yTrue.Shape);
        var s = signed.Span;
        for (int i = 0; i < t.Length; i++) s[i] = 2f * t[i] - 1f;
        return signed;
    }
}
