using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Cross-entropy against one-hot (or soft) targets of the predictions' shape: (batch, classes), or
/// (batch, positions..., classes) for sequence outputs, whose losses are then one per position
/// (batch, positions), averaged over them by the reduction as Keras does. With probabilities
/// (<see cref="FromLogits"/> false) coming straight from a softmax, the softmax is fused with the
/// loss on its logits for stability (as Keras's TensorFlow backend does); other probabilities are
/// renormalised and clipped to [1e−7, 1 − 1e−7] as Keras does. With labelSmoothing s the targets
/// become t·(1 − s) + s/classes. Keras's <c>axis</c> names the classes axis (the last by default); another axis, e.g. 1
/// for (batch, classes, positions), gives one loss per remaining position.
/// </summary>
/// <param name="fromLogits">True when the model outputs raw scores (no softmax), as PyTorch's CrossEntropyLoss expects.</param>
/// <param name="labelSmoothing">s in [0, 1]: how much probability mass moves from the targets towards uniform (0: none).</param>
/// <param name="axis">The classes axis (negative counts from the end; Keras's default −1); not the batch axis 0.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1], or <paramref name="axis"/> is 0.</exception>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int axis = -1) : Loss
{
    internal const float Epsilon = 1e-7f;

    /// <summary>Whether predictions are logits rather than probabilities that sum to 1 over the last axis.</summary>
    public bool FromLogits { get; } = fromLogits;
    /// <summary>Smoothing s in [0, 1]: targets t are trained as t·(1 − s) + s/classes.</summary>
    public float LabelSmoothing { get; } = Labels.CheckSmoothing(labelSmoothing);
    /// <summary>The classes axis (negative counts from the end).</summary>
    public int Axis { get; } = CheckAxis(axis, "CategoricalCrossentropy");
    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <summary>One loss per sample (batch,), or per position (batch, positions...) for sequence predictions.</summary>
    /// <exception cref="ShapeMismatchException">The predictions have no class axis, or the targets are not float or not of the predictions' shape (use <see cref="SparseCategoricalCrossentropy"/> for integer labels).</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 2 || yTrue.Shape != yPred.Shape)
            throw new ShapeMismatchException($"CategoricalCrossentropy needs targets and predictions of the same shape (batch, ..., classes); got {yTrue.Shape} and {yPred.Shape}. For integer labels use SparseCategoricalCrossentropy.");
        if (yTrue.DType != DType.Float32)
            throw new ShapeMismatchException($"CategoricalCrossentropy needs float one-hot targets, got {yTrue.DType}; use ToCategorical or SparseCategoricalCrossentropy.");
        (yTrue, yPred) = AxisLast(yTrue, yPred, Axis, "CategoricalCrossentropy");
        // The softmax's logits are found on the predictions themselves, before they become rows.
        var logits = FromLogits ? yPred : Ops.SoftmaxLogits(yPred);
        var targets = Labels.Smooth(AsRows(yTrue), LabelSmoothing, 1f / yPred.Shape[-1]);
        var rows = logits is not null ? Ops.SoftmaxCrossEntropy(AsRows(logits), targets) : FromProbabilities(targets, AsRows(yPred));
        return PerPosition(rows, yPred.Shape);
    }

    /// <summary>−Σ t·log(clip(p / Σp)) per row.</summary>
    internal static Tensor FromProbabilities(Tensor targets, Tensor probabilities)
    {
        int rows = probabilities.Shape[0];
        var sums = Ops.Reshape(Ops.SumLastAxis(probabilities), rows, 1);
        var normalised = Ops.Clip(Ops.Divide(probabilities, sums), Epsilon, 1f - Epsilon);
        var perSample = Ops.SumLastAxis(Ops.Multiply(targets, Ops.Log(normalised)));
        return Ops.Affine(perSample, -1f);
    }
}
