using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>Mean over the last axis of |y_pred − y_true|.</summary>
public sealed class MeanAbsoluteError : Loss
{
    public override string Name => "mean_absolute_error";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanAbsoluteError");
        return MeanLastAxis(Ops.Abs(Ops.Subtract(yPred, yTrue)));
    }
}
