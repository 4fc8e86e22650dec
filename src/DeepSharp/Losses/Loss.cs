using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// A loss: per-sample values, optionally multiplied by sample weights, then Keras's
/// "sum_over_batch_size" reduction: the sum divided by the batch size (the mean when unweighted).
/// With a mask (the model output's, e.g. from <c>Embedding(maskZero: true)</c>) the reduction is
/// Keras 3's masked one: Σ w·mask·loss / Σ mask (see Loss.Masked.cs).
/// </summary>
public abstract partial class Loss
{
    /// <summary>Keras's name, e.g. "categorical_crossentropy".</summary>
    public abstract string Name { get; }

    /// <summary>The batch loss as a scalar tensor, differentiable with respect to <paramref name="yPred"/>.</summary>
    /// <param name="yTrue">Targets.</param>
    /// <param name="yPred">Predictions.</param>
    /// <param name="sampleWeight">
    /// Optional weights: one per sample (batch,), multiplying each sample's loss; or, for sequence
    /// outputs, one per loss element (batch, time) (Keras's temporal sample weights), multiplying each
    /// position's loss. The reduction is the same: the sum of the weighted losses over their number.
    /// </param>
    /// <param name="mask">
    /// Optional mask of the predictions, one value per loss element (e.g. (batch, time) for sequence
    /// outputs), nonzero where the element counts: masked elements add nothing and the sum is divided
    /// by the number of unmasked elements instead of the number of elements (Keras 3's reduction when
    /// the output carries a mask). Sample weights then weigh the unmasked elements.
    /// </param>
    /// <exception cref="ShapeMismatchException">The batch sizes differ, the weights are neither one float per sample nor one per loss element, or the mask does not fit the losses.</exception>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null, Tensor? mask = null)
    {
        if (yPred.Rank == 0 || yTrue.Rank == 0 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} must have the same batch size.");
        if (mask is not null) return ComputeMasked(yTrue, yPred, sampleWeight, mask);
        var perSample = PerSample(yTrue, yPred);
        if (sampleWeight is null) return Ops.Mean(perSample);
        return Ops.Mean(Ops.Multiply(perSample, WeightsFor(sampleWeight, perSample, yPred.Shape)));
    }

    /// <summary>One loss value per sample, shape (batch,) (or (batch, ...) for outputs of rank above 2).</summary>
    public abstract Tensor PerSample(Tensor yTrue, Tensor yPred);

    /// <summary>Checks float targets of the predictions' shape; (batch,) and (batch, 1) are treated alike.</summary>
    internal static (Tensor YTrue, Tensor YPred) Aligned(Tensor yTrue, Tensor yPred, string user)
    {
        if (yPred.Rank == 1) yPred = Ops.Reshape(yPred, yPred.Shape[0], 1);
        if (yTrue.Rank == 1) yTrue = yTrue.View(yTrue.Shape[0], 1);
        if (yTrue.DType == DType.Int32) yTrue = yTrue.ToFloat();   // Keras casts y_true to y_pred's dtype: 0/1 labels as ints work
        if (yTrue.DType != DType.Float32)
            throw new ShapeMismatchException($"{user} needs float targets, got {yTrue.DType}.");
        if (yTrue.Shape != yPred.Shape)
            throw new ShapeMismatchException($"{user} needs targets and predictions of one shape; got {yTrue.Shape} and {yPred.Shape}.");
        return (yTrue, yPred);
    }

    /// <summary>Predictions (batch, positions..., classes) as rows (batch·positions, classes); rank 2 stays as it is.</summary>
    internal static Tensor AsRows(Tensor x) =>
        x.Rank == 2 ? x : Ops.Reshape(x, x.Shape[-1] == 0 ? 0 : x.Size / x.Shape[-1], x.Shape[-1]);

    /// <summary>
    /// Losses per row of <see cref="AsRows"/> back per sample: (batch,) for predictions of rank 2,
    /// (batch, positions) for sequence predictions (batch, positions..., classes).
    /// </summary>
    internal static Tensor PerPosition(Tensor rowLosses, Shape predictions) =>
        predictions.Rank == 2 ? rowLosses : Ops.Reshape(rowLosses, predictions[0], predictions[0] == 0 ? 0 : rowLosses.Size / predictions[0]);

    /// <summary>Mean over the last axis: (..., n) → (...).</summary>
    internal static Tensor MeanLastAxis(Tensor x) => Ops.Affine(Ops.SumLastAxis(x), 1f / x.Shape[-1]);

    /// <summary>
    /// Targets and predictions of one shape with <paramref name="axis"/> (Keras's <c>axis</c> of a loss: the classes or
    /// features axis, negative counting from the end) moved to the end, so that the per-row code runs over it; unchanged
    /// when it is already last. The batch axis 0 cannot be that axis. Targets of another shape (integer labels) stay.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the predictions or is the batch axis.</exception>
    internal static (Tensor YTrue, Tensor YPred) AxisLast(Tensor yTrue, Tensor yPred, int axis, string user) =>
        (yTrue.Shape == yPred.Shape ? AxisLast(yTrue, axis, user) : yTrue, AxisLast(yPred, axis, user));

    /// <summary><paramref name="x"/> with <paramref name="axis"/> moved to the end (a copy through <c>Ops.Permute</c>), or itself when it is last.</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside <paramref name="x"/> or is the batch axis.</exception>
    internal static Tensor AxisLast(Tensor x, int axis, string user)
    {
        int rank = x.Rank, a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank)
            throw new ShapeMismatchException($"{user}: axis {axis} is not a non-batch axis of predictions {x.Shape}.");
        if (a == rank - 1) return x;
        var perm = new int[rank];
        for (int i = 0, k = 0; i < rank; i++) if (i != a) perm[k++] = i;
        perm[rank - 1] = a;
        return Ops.Permute(x, perm);
    }

    /// <summary>
    /// Mean over <paramref name="axis"/> (the binary cross-entropies' Keras <c>axis</c>, negative counting from the end):
    /// (batch, ..., n, ...) → the other axes, e.g. (batch, positions) for axis 1 of (batch, units, positions).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the losses or is the batch axis.</exception>
    internal static Tensor MeanOverAxis(Tensor x, int axis, string user) => MeanLastAxis(AxisLast(x, axis, user));

    /// <summary>An axis argument checked when the loss is made: not the batch axis 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is 0.</exception>
    internal static int CheckAxis(int axis, string user) => axis != 0
        ? axis
        : throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{user}: axis 0 is the batch axis; name the classes or features axis (default −1).");
}
