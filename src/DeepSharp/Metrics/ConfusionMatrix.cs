using DeepSharp.Losses;
using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>Confusion matrices: rows are true classes, columns predicted ones (as tf.math.confusion_matrix).</summary>
public static class ConfusionMatrix
{
    /// <summary>Counts from integer labels and integer predictions.</summary>
    public static long[,] FromLabels(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, int classes)
    {
        if (labels.Length != predictions.Length)
            throw new ArgumentException($"ConfusionMatrix: {labels.Length} labels but {predictions.Length} predictions.");
        var matrix = new long[classes, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes || (uint)predictions[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"ConfusionMatrix: pair ({labels[i]}, {predictions[i]}) at {i} is outside [0, {classes}).");
            matrix[labels[i], predictions[i]]++;
        }
        return matrix;
    }

    /// <summary>
    /// Counts from a model's outputs (batch, classes), predicted class = argmax, against one-hot
    /// targets of the same shape or integer labels (batch,). A single output column (one sigmoid
    /// unit) gives a 2×2 matrix: class 1 is a prediction above 0.5 and a target above 0.5. Sequence
    /// outputs (batch, positions..., classes) count every position.
    /// </summary>
    public static long[,] FromPredictions(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank < 2) throw new ShapeMismatchException($"ConfusionMatrix needs predictions (batch, classes); got {yPred.Shape}.");
        int classes = yPred.Shape[-1], n = yPred.Size / Math.Max(1, classes);
        var p = yPred.Span;
        var labels = new int[n];
        var predicted = new int[n];
        if (classes == 1)
        {
            if (yTrue.Size != n)
                throw new ShapeMismatchException($"ConfusionMatrix: one output column needs one target per row; got {yTrue.Shape} for {yPred.Shape}.");
            for (int i = 0; i < n; i++)
            {
                float target = yTrue.DType == DType.Int32 ? yTrue.IntSpan[i] : yTrue.Span[i];
                labels[i] = BinaryElements.IsPositive(target) ? 1 : 0;
                predicted[i] = p[i] > 0.5f ? 1 : 0;
            }
            return FromLabels(labels, predicted, 2);
        }
        if (yTrue.Size == yPred.Size && yTrue.DType == DType.Float32)
            for (int i = 0; i < n; i++) labels[i] = Accuracy.ArgMax(yTrue.Span.Slice(i * classes, classes));
        else if (yTrue.Size != n)
            throw new ShapeMismatchException($"ConfusionMatrix: predictions {yPred.Shape} need one label or one one-hot row per position; got {yTrue.Shape}.");
        else
            Labels.AsInt32(yTrue.View(n), classes, "ConfusionMatrix").IntSpan.CopyTo(labels);
        for (int i = 0; i < n; i++) predicted[i] = Accuracy.ArgMax(p.Slice(i * classes, classes));
        return FromLabels(labels, predicted, classes);
    }
}
