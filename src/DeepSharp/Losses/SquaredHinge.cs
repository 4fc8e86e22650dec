using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Squared hinge loss, as Keras: mean over the last axis of max(1 − t·p, 0)² for targets t in {−1, 1}; targets
/// that are all 0 or 1 become −1/1 first, as for <see cref="Hinge"/>.
/// </summary>
public sealed class SquaredHinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "squared_hinge";

    /// <summary>The loss averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "SquaredHinge");
        return MeanLastAxis(Ops.Square(Hinge.Margins(Hinge.SignedLabels(yTrue), yPred)));
    }
}
