using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Kullback–Leibler divergence Σ t·log(t/p) over the last axis, with t and p clipped to [1e−7, 1]
/// as Keras does.
/// </summary>
public sealed class KLDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <summary>One divergence per sample (batch,), between distributions along the last axis.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "KLDivergence");
        var t = Ops.Clip(yTrue, CategoricalCrossentropy.Epsilon, 1f);
        var p = Ops.Clip(yPred, CategoricalCrossentropy.Epsilon, 1f);
        return Ops.SumLastAxis(Ops.Multiply(t, Ops.Subtract(Ops.Log(t), Ops.Log(p))));
    }
}
