using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Tversky loss (Salehi et al., 2017), as Keras's Tversky: 1 − TP / (TP + α·A + β·B + 1e−7) with TP = Σ t·p,
/// A = Σ (1 − p)·t and B = Σ p·(1 − t) — the terms to which Keras's code gives α and β (its documentation calls
/// α the false positives' weight, but its code puts α on Σ (1 − p)·t, the missed positives; the values here are
/// its code's). α = β = ½ gives the Dice loss. With <see cref="Axis"/> null the sums run over the whole batch, one
/// value for it; with axes, over those axes, one value per sample.
/// </summary>
public sealed class Tversky : Loss
{
    /// <param name="alpha">α ≥ 0, the weight of Σ (1 − p)·t (Keras's default 0.5).</param>
    /// <param name="beta">β ≥ 0, the weight of Σ p·(1 − t) (Keras's default 0.5).</param>
    /// <param name="axis">The axes the sums run over (negative counts from the end); null: all of them, the batch included.</param>
    /// <exception cref="ArgumentOutOfRangeException">α or β is negative or not finite.</exception>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is empty or names the batch axis 0.</exception>
    public Tversky(float alpha = 0.5f, float beta = 0.5f, int[]? axis = null)
    {
        if (!(alpha >= 0f && float.IsFinite(alpha))) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Tversky: alpha must be a finite number ≥ 0.");
        if (!(beta >= 0f && float.IsFinite(beta))) throw new ArgumentOutOfRangeException(nameof(beta), beta, "Tversky: beta must be a finite number ≥ 0.");
        (Alpha, Beta, Axis) = (alpha, beta, Dice.CheckAxes(axis, "Tversky"));
    }

    /// <summary>α: the weight of Σ (1 − p)·t.</summary>
    public float Alpha { get; }
    /// <summary>β: the weight of Σ p·(1 − t).</summary>
    public float Beta { get; }
    /// <summary>The axes the sums run over; null: the whole batch.</summary>
    public int[]? Axis { get; }
    /// <inheritdoc/>
    public override string Name => "tversky";

    /// <summary>As <see cref="Dice.PerSample"/>: the batch's loss repeated per sample with <see cref="Axis"/> null, else one per sample.</summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape, or an axis is outside them.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Tversky");
        var axes = Dice.ResolveAxes(Axis, yPred.Shape, "Tversky");
        // TP + α·(Σt − TP) + β·(Σp − TP) = (1 − α − β)·TP + α·Σt + β·Σp.
        var truePositives = Ops.Sum(Ops.Multiply(yTrue, yPred), axes);
        var denominator = Ops.Add(Ops.Affine(truePositives, 1f - Alpha - Beta),
            Ops.Add(Ops.Affine(Ops.Sum(yPred, axes), Beta), Ops.Affine(Ops.Sum(yTrue, axes), Alpha, CategoricalCrossentropy.Epsilon)));
        return Dice.PerBatch(Ops.Affine(Ops.Divide(truePositives, denominator), -1f, 1f), yPred.Shape[0]);
    }
}
