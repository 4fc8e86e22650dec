using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Categorical hinge loss, as Keras: max(neg − pos + 1, 0) over the last axis, with pos = Σ t·p (the true
/// class's score for one-hot targets t) and neg = max((1 − t)·p) (the best other score).
/// </summary>
public sealed class CategoricalHinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "categorical_hinge";

    /// <summary>One loss per sample (batch,), or per position (batch, positions...) for sequence predictions.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not one-hot rows of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "CategoricalHinge");
        var positive = Ops.SumLastAxis(Ops.Multiply(yTrue, yPred));
        var negative = Ops.Max(Ops.Multiply(Ops.Affine(yTrue, -1f, 1f), yPred), yPred.Rank - 1);
        return Ops.Relu(Ops.Affine(Ops.Subtract(negative, positive), 1f, 1f));
    }
}
