using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>Mean over the last axis of (y_pred − y_true)².</summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "mean_squared_error";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanSquaredError");
        var error = Ops.Subtract(yPred, yTrue);
        return MeanLastAxis(Ops.Multiply(error, error));
    }
}
