using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// The negative cosine similarity over the last axis, as Keras: −Σ(t/‖t‖)·(p/‖p‖), norms clamped
/// below at √1e−12. Minimising it aligns predictions with targets (−1 is a perfect match).
/// </summary>
public sealed class CosineSimilarity : Loss
{
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";

    /// <summary>One value in [−1, 1] per sample (batch,), from vectors along the last axis.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "CosineSimilarity");
        var product = Ops.Multiply(Ops.L2NormalizeLastAxis(yTrue), Ops.L2NormalizeLastAxis(yPred));
        return Ops.Affine(Ops.SumLastAxis(product), -1f);
    }
}
