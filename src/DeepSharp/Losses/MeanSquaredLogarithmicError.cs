using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Mean over the last axis of (log(max(p, 1e−7) + 1) − log(max(t, 1e−7) + 1))², as Keras's
/// MeanSquaredLogarithmicError ("msle"): relative errors count, values at or below 0 count as 1e−7.
/// </summary>
public sealed class MeanSquaredLogarithmicError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_logarithmic_error";

    /// <summary>The error averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "MeanSquaredLogarithmicError");
        const float eps = CategoricalCrossentropy.Epsilon;
        var predicted = Ops.Log(Ops.Affine(Ops.Clip(yPred, eps, float.PositiveInfinity), 1f, 1f));
        var target = Tensor.Temp(yTrue.Shape);
        var t = yTrue.Span;
        var s = target.Span;
        for (int i = 0; i < t.Length; i++) s[i] = MathF.Log(MathF.Max(t[i], eps) + 1f);
        return MeanLastAxis(Ops.Square(Ops.Subtract(predicted, target)));
    }
}
