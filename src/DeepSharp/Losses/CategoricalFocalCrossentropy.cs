using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Categorical focal cross-entropy (Lin et al., 2018), as Keras's CategoricalFocalCrossentropy: over the last axis,
/// −Σ α·(1 − p)^γ·t·log p, where p are the predictions renormalised to sum to 1 and clipped to [1e−7, 1 − 1e−7]
/// (after a softmax when <see cref="FromLogits"/>), and t the one-hot targets, smoothed to t·(1 − s) + s/classes.
/// α is one weight for every class, or one per class (Keras's alpha as a list, e.g. inverse class frequencies).
/// One loss per sample (batch,), or per position for sequence outputs (batch, positions..., classes).
/// </summary>
public sealed class CategoricalFocalCrossentropy : Loss
{
    private readonly float[]? _classAlphas;

    /// <param name="alpha">α ≥ 0, a weight on every class (Keras's default 0.25).</param>
    /// <param name="gamma">γ ≥ 0, the focusing exponent (0: α times the categorical cross-entropy).</param>
    /// <param name="fromLogits">True when the model outputs raw scores (no softmax).</param>
    /// <param name="labelSmoothing">s in [0, 1]: targets move towards uniform.</param>
    /// <exception cref="ArgumentOutOfRangeException">α or γ is negative or not finite, or the smoothing is outside [0, 1].</exception>
    public CategoricalFocalCrossentropy(float alpha = 0.25f, float gamma = 2f, bool fromLogits = false, float labelSmoothing = 0f)
    {
        Alpha = CheckAlpha(alpha);
        Gamma = gamma >= 0f && float.IsFinite(gamma) ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "CategoricalFocalCrossentropy: gamma must be a finite number ≥ 0.");
        FromLogits = fromLogits;
        LabelSmoothing = Labels.CheckSmoothing(labelSmoothing);
    }

    /// <param name="alpha">One weight α ≥ 0 per class, in class order (Keras's alpha given as a list); its length must be the predictions' class count.</param>
    /// <param name="gamma">γ ≥ 0, the focusing exponent.</param>
    /// <param name="fromLogits">True when the model outputs raw scores (no softmax).</param>
    /// <param name="labelSmoothing">s in [0, 1]: targets move towards uniform.</param>
    /// <exception cref="ArgumentException"><paramref name="alpha"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class's α or γ is negative or not finite, or the smoothing is outside [0, 1].</exception>
    public CategoricalFocalCrossentropy(float[] alpha, float gamma = 2f, bool fromLogits = false, float labelSmoothing = 0f)
        : this(1f, gamma, fromLogits, labelSmoothing)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        if (alpha.Length == 0) throw new ArgumentException("CategoricalFocalCrossentropy: alpha lists no class; give one weight per class, or one number.", nameof(alpha));
        foreach (float a in alpha) CheckAlpha(a);
        _classAlphas = [.. alpha];
    }

    /// <summary>α: the weight of every class's term (1 when <see cref="ClassAlphas"/> gives one per class).</summary>
    public float Alpha { get; }
    /// <summary>The weight of each class's term, in class order, when α was given per class; null for one α for all.</summary>
    public IReadOnlyList<float>? ClassAlphas => _classAlphas;
    /// <summary>γ: the focusing exponent of (1 − p).</summary>
    public float Gamma { get; }
    /// <summary>Whether predictions are logits rather than probabilities that sum to 1 over the last axis.</summary>
    public bool FromLogits { get; }
    /// <summary>Smoothing s in [0, 1]: targets t are trained as t·(1 − s) + s/classes.</summary>
    public float LabelSmoothing { get; }
    /// <inheritdoc/>
    public override string Name => "categorical_focal_crossentropy";

    /// <summary>One loss per sample (batch,), or per position (batch, positions...) for sequence predictions.</summary>
    /// <exception cref="ShapeMismatchException">The predictions have no class axis, the targets are not one-hot rows of their shape, or α per class does not list one weight per class.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 2 || yTrue.Shape != yPred.Shape)
            throw new ShapeMismatchException($"CategoricalFocalCrossentropy needs one-hot targets and predictions of the same shape (batch, ..., classes); got {yTrue.Shape} and {yPred.Shape}.");
        (yTrue, yPred) = Aligned(yTrue, yPred, "CategoricalFocalCrossentropy");
        int classes = yPred.Shape[-1];
        if (_classAlphas is not null && _classAlphas.Length != classes)
            throw new ShapeMismatchException($"CategoricalFocalCrossentropy: alpha lists {_classAlphas.Length} class weights; predictions {yPred.Shape} have {classes} classes.");
        var rows = AsRows(yPred);
        var t = Labels.Smooth(AsRows(yTrue), LabelSmoothing, 1f / classes);
        var p = FromLogits ? Ops.Softmax(rows) : rows;
        var sums = Ops.Reshape(Ops.SumLastAxis(p), rows.Shape[0], 1);
        var output = Ops.Clip(Ops.Divide(p, sums), CategoricalCrossentropy.Epsilon, 1f - CategoricalCrossentropy.Epsilon);
        var crossEntropy = Ops.Multiply(t, Ops.Log(output));
        var focal = Gamma == 0f ? crossEntropy : Ops.Multiply(Ops.Pow(Ops.Affine(output, -1f, 1f), Gamma), crossEntropy);   // (1 − p)^γ·t·log p
        if (_classAlphas is not null) focal = Ops.Multiply(focal, Tensor.FromArray((float[])_classAlphas.Clone(), 1, classes));   // α per class, broadcast over rows
        var perRow = Ops.Affine(Ops.SumLastAxis(focal), -Alpha);
        return PerPosition(perRow, yPred.Shape);
    }

    private static float CheckAlpha(float alpha) => alpha >= 0f && float.IsFinite(alpha)
        ? alpha
        : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "CategoricalFocalCrossentropy: alpha must be a finite number ≥ 0 (for every class).");
}
