using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Categorical focal cross-entropy (Lin et al., 2018), as Keras's CategoricalFocalCrossentropy: over the last axis,
/// −Σ α·(1 − p)^γ·t·log p, where p are the predictions renormalised to sum to 1 and clipped to [1e−7, 1 − 1e−7]
/// (after a softmax when <see cref="FromLogits"/>), and t the one-hot targets, smoothed to t·(1 − s) + s/classes.
/// One loss per sample (batch,), or per position for sequence outputs (batch, positions..., classes).
/// </summary>
/// <param name="alpha">α ≥ 0, a weight on every class (Keras's default 0.25).</param>
/// <param name="gamma">γ ≥ 0, the focusing exponent (0: α times the categorical cross-entropy).</param>
/// <param name="fromLogits">True when the model outputs raw scores (no softmax).</param>
/// <param name="labelSmoothing">s in [0, 1]: targets move towards uniform.</param>
/// <exception cref="ArgumentOutOfRangeException">α or γ is negative or not finite, or the smoothing is outside [0, 1].</exception>
public sealed class CategoricalFocalCrossentropy(float alpha = 0.25f, float gamma = 2f, bool fromLogits = false, float labelSmoothing = 0f) : Loss
{
    /// <summary>α: the weight of every class's term.</summary>
    public float Alpha { get; } = alpha >= 0f && float.IsFinite(alpha) ? alpha : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "CategoricalFocalCrossentropy: alpha must be a finite number ≥ 0.");
    /// <summary>γ: the focusing exponent of (1 − p).</summary>
    public float Gamma { get; } = gamma >= 0f && float.IsFinite(gamma) ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "CategoricalFocalCrossentropy: gamma must be a finite number ≥ 0.");
    /// <summary>Whether predictions are logits rather than probabilities that sum to 1 over the last axis.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>Smoothing s in [0, 1]: targets t are trained as t·(1 − s) + s/classes.</summary>
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    /// <inheritdoc/>
    public override string Name => "categorical_focal_crossentropy";

    /// <summary>One loss per sample (batch,), or per position (batch, positions...) for sequence predictions.</summary>
    /// <exception cref="ShapeMismatchException">The predictions have no class axis, or the targets are not one-hot rows of their shape.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 2 || yTrue.Shape != yPred.Shape)
            throw new ShapeMismatchException($"CategoricalFocalCrossentropy needs one-hot targets and predictions of the same shape (batch, ..., classes); got {yTrue.Shape} and {yPred.Shape}.");
        (yTrue, yPred) = Aligned(yTrue, yPred, "CategoricalFocalCrossentropy");
        int classes = yPred.Shape[-1];
        var rows = AsRows(yPred);
        var t = Labels.Smooth(AsRows(yTrue), LabelSmoothing, 1f / classes);
        var p = FromLogits ? Ops.Softmax(rows) : rows;
        var sums = Ops.Reshape(Ops.SumLastAxis(p), rows.Shape[0], 1);
        var output = Ops.Clip(Ops.Divide(p, sums), CategoricalCrossentropy.Epsilon, 1f - CategoricalCrossentropy.Epsilon);
        var crossEntropy = Ops.Multiply(t, Ops.Log(output));
        var focal = Gamma == 0f ? crossEntropy : Ops.Multiply(Ops.Pow(Ops.Affine(output, -1f, 1f), Gamma), crossEntropy);   // (1 − p)^γ·t·log p
        var perRow = Ops.Affine(Ops.SumLastAxis(focal), -Alpha);
        return PerPosition(perRow, yPred.Shape);
    }
}
