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
    /// targets of the same shape or integer labels (batch,).
    /// </summary>
    public static long[,] FromPredictions(Tensor yTrue, Tensor yPred)
    {
        if (yPred.Rank != 2) throw new ShapeMismatchException($"ConfusionMatrix needs predictions (batch, classes); got {yPred.Shape}.");
        int n = yPred.Shape[0], classes = yPred.Shape[1];
        var labels = new int[n];
        if (yTrue.Shape == yPred.Shape && yTrue.DType == DType.Float32)
            for (int i = 0; i < n; i++) labels[i] = Accuracy.ArgMax(yTrue.Span.Slice(i * classes, classes));
        else
            Labels.AsInt32(yTrue, classes, "ConfusionMatrix").IntSpan.CopyTo(labels);
        var predicted = new int[n];
        for (int i = 0; i < n; i++) predicted[i] = Accuracy.ArgMax(yPred.Span.Slice(i * classes, classes));
        return FromLabels(labels, predicted, classes);
    }
}
