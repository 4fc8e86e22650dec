using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// The negative cosine similarity along <see cref="Axis"/> (the last by default), as Keras: −Σ(t/‖t‖)·(p/‖p‖), norms
/// clamped below at √1e−12. Minimising it aligns predictions with targets (−1 is a perfect match).
/// </summary>
/// <param name="axis">The features axis the vectors run along (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
public sealed class CosineSimilarity(int axis = -1) : Loss
{
    /// <summary>The features axis the vectors run along.</summary>
    public int Axis { get; } = CheckAxis(axis, "CosineSimilarity");
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";

    /// <summary>One value in [−1, 1] per vector: (batch,) for (batch, features), the other axes kept otherwise.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape, or the axis is outside them.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "CosineSimilarity");
        (yTrue, yPred) = AxisLast(yTrue, yPred, Axis, "CosineSimilarity");
        var product = Ops.Multiply(Ops.L2NormalizeLastAxis(yTrue), Ops.L2NormalizeLastAxis(yPred));
        return Ops.Affine(Ops.SumLastAxis(product), -1f);
    }
}
