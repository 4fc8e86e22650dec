using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// A loss: per-sample values averaged over the batch (Keras's "sum_over_batch_size").
/// </summary>
public abstract class Loss
{
    /// <summary>Keras's name, e.g. "categorical_crossentropy".</summary>
    public abstract string Name { get; }

    /// <summary>The batch loss as a scalar tensor, differentiable with respect to <paramref name="yPred"/>.</summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank == 0 || yTrue.Rank == 0 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} must have the same batch size.");
        return Ops.Mean(PerSample(yTrue, yPred));
    }

    /// <summary>One loss value per sample, shape (batch,).</summary>
    public abstract Tensor PerSample(Tensor yTrue, Tensor yPred);
}
