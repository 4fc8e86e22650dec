using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>Mean over the last axis of (y_pred − y_true)².</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <summary>The error averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanSquaredError");
        var error = Ops.Subtract(yPred, yTrue);
        return MeanLastAxis(Ops.Multiply(error, error));
    }
}
