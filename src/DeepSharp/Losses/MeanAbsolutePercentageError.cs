using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// 100 · mean over the last axis of |t − p| / max(|t|, 1e−7), as Keras's MeanAbsolutePercentageError ("mape").
/// </summary>
public sealed class MeanAbsolutePercentageError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_percentage_error";

    /// <summary>The error in percent averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanAbsolutePercentageError");
        var scale = Tensor.Temp(yTrue.Shape);
        var t = yTrue.Span;
        var s = scale.Span;
        for (int i = 0; i < t.Length; i++) s[i] = 100f / MathF.Max(MathF.Abs(t[i]), CategoricalCrossentropy.Epsilon);
        return MeanLastAxis(Ops.Multiply(Ops.Abs(Ops.Subtract(yPred, yTrue)), scale));
    }
}
