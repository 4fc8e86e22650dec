using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Poisson loss, as Keras: mean over the last axis of p − t·log(p + 1e−7), for count targets t and positive
/// predicted rates p (e.g. a Dense layer with an exponential or softplus activation).
/// </summary>
public sealed class Poisson : Loss
{
    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <summary>The loss averaged over the last axis: (batch,) for (batch, units) predictions; (batch,) and (batch, 1) are alike.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Poisson");
        var logRate = Ops.Log(Ops.Affine(yPred, 1f, CategoricalCrossentropy.Epsilon));
        return MeanLastAxis(Ops.Subtract(yPred, Ops.Multiply(yTrue, logRate)));
    }
}
