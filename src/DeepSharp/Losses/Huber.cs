using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Huber loss (Keras defaults: δ = 1), averaged over the last axis: with e = y_pred − y_true,
/// ½e² where |e| ≤ δ and δ·|e| − ½δ² elsewhere.
/// </summary>
public sealed class Huber : Loss
{
    /// <param name="delta">δ &gt; 0: the error size where the loss turns from quadratic to linear.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not positive (or is NaN).</exception>
    public Huber(float delta = 1f)
    {
        if (!(delta > 0f)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive.");
        Delta = delta;
    }

    /// <summary>δ: errors smaller than this are squared, larger ones count linearly (less weight on outliers than MSE).</summary>
    public float Delta { get; }
    /// <inheritdoc/>
    public override string Name => "huber_loss";

    /// <summary>The loss averaged over the last axis: (batch,) for (batch, units) predictions.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not float or not of the predictions' shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Huber");
        return MeanLastAxis(Ops.Huber(Ops.Subtract(yPred, yTrue), Delta));
    }
}
