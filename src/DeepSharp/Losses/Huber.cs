using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Huber loss (Keras defaults: δ = 1), averaged over the last axis: with e = y_pred − y_true,
/// ½e² where |e| ≤ δ and δ·|e| − ½δ² elsewhere.
/// </summary>
public sealed class Huber : Loss
{
    public Huber(float delta = 1f)
    {
        if (!(delta > 0f)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive.");
        Delta = delta;
    }

    public float Delta { get; }
    public override string Name => "huber_loss";

    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Huber");
        return MeanLastAxis(Ops.Huber(Ops.Subtract(yPred, yTrue), Delta));
    }
}
