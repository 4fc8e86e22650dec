using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Mean over the last axis of log(cosh(y_pred − y_true)) (Keras's LogCosh): about e²/2 for small errors and
/// |e| − log 2 for large ones, so it trains like MSE but gives outliers less weight. Stable for any error.
/// </summary>
public sealed class LogCosh : Loss
{
    /// <inheritdoc/>
    public override string Name => "log_cosh";

    /// <summary>The loss averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "LogCosh");
        return MeanLastAxis(Ops.LogCosh(Ops.Subtract(yPred, yTrue)));
    }
}
