using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>Mean over the last axis of |y_pred − y_true|.</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <summary>The error averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanAbsoluteError");
        return MeanLastAxis(Ops.Abs(Ops.Subtract(yPred, yTrue)));
    }
}
