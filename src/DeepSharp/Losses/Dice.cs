using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Dice loss, as Keras's Dice: 1 − 2·Σ t·p / (Σ t + Σ p + 1e−7), for segmentation masks t and predicted
/// probabilities p. With <see cref="Axis"/> null (Keras's default) the sums run over the whole batch, giving one
/// value for it; with axes, e.g. [1, 2, 3] for (batch, height, width, channels), over those axes, one value per
/// sample (and per remaining position).
/// </summary>
public sealed class Dice : Loss
{
    /// <param name="axis">The axes the sums run over (negative counts from the end); null: all of them, the batch included.</param>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is empty or names the batch axis 0.</exception>
    public Dice(int[]? axis = null) => Axis = CheckAxes(axis, "Dice");

    /// <summary>The axes the sums run over; null: the whole batch.</summary>
    public int[]? Axis { get; }
    /// <inheritdoc/>
    public override string Name => "dice";

    /// <summary>
    /// With <see cref="Axis"/> null, the batch's loss repeated for each sample (batch,), so that the batch mean is
    /// that value (and sample weights multiply it by their mean, as in Keras); with axes, one loss per sample
    /// (batch, remaining axes...).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The targets are not numbers of the predictions' shape, or an axis is outside them.</exception>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        (yTrue, yPred) = Aligned(yTrue, yPred, "Dice");
        var axes = ResolveAxes(Axis, yPred.Shape, "Dice");
        var intersection = Ops.Sum(Ops.Multiply(yTrue, yPred), axes);
        var denominator = Ops.Add(Ops.Sum(yPred, axes), Ops.Affine(Ops.Sum(yTrue, axes), 1f, CategoricalCrossentropy.Epsilon));
        return PerBatch(Ops.Affine(Ops.Divide(intersection, denominator), -2f, 1f), yPred.Shape[0]);
    }

    /// <summary>The axes as given, each checked to be a non-batch axis; null stays null.</summary>
    internal static int[]? CheckAxes(int[]? axis, string user)
    {
        if (axis is null) return null;
        if (axis.Length == 0 || axis.Contains(0) || axis.Distinct().Count() != axis.Length)
            throw new ArgumentException($"{user}: axis [{string.Join(", ", axis)}] must list distinct axes other than the batch axis 0, or be null for the whole batch.", nameof(axis));
        return [.. axis];
    }

    /// <summary>The axes counted from 0 for predictions of <paramref name="shape"/>; null for all of them.</summary>
    internal static int[]? ResolveAxes(int[]? axis, Shape shape, string user)
    {
        if (axis is null) return null;
        var resolved = new int[axis.Length];
        for (int i = 0; i < axis.Length; i++)
        {
            int a = axis[i] < 0 ? axis[i] + shape.Rank : axis[i];
            if (a < 1 || a >= shape.Rank)
                throw new ShapeMismatchException($"{user}: axis {axis[i]} is not a non-batch axis of predictions {shape}.");
            resolved[i] = a;
        }
        if (resolved.Distinct().Count() != resolved.Length)
            throw new ShapeMismatchException($"{user}: axes [{string.Join(", ", axis)}] name one axis twice for predictions {shape}.");
        return resolved;
    }

    /// <summary>A whole-batch scalar repeated once per sample (batch,); per-sample losses unchanged.</summary>
    internal static Tensor PerBatch(Tensor losses, int batch) =>
        losses.Rank == 0 ? Ops.BroadcastTo(Ops.Reshape(losses, 1), new Shape(batch)) : losses;
}
