using DeepSharp.Tensors;

namespace DeepSharp.Plots;

/// <summary>Class indices from a classifier's outputs and targets, in the forms Keras's classification losses take.</summary>
public static class ClassLabels
{
    /// <summary>"0", "1", ...: names for classes that have none.</summary>
    public static IReadOnlyList<string> Names(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// The predicted class of each sample: the arg-max of a (N, K) row of probabilities or logits for K &gt; 1;
    /// for one sigmoid output, (N, 1) or (N,), class 1 when the probability is at least 0.5.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The tensor is not (N, K) or (N,), or is not float32.</exception>
    public static int[] FromPredictions(Tensor predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.DType != DType.Float32 || predictions.Rank is not (1 or 2))
            throw new ShapeMismatchException($"Predictions must be float32 (N, classes) or (N,), not {predictions.DType} {predictions.Shape}.");
        int n = predictions.Shape[0], k = predictions.Rank == 2 ? predictions.Shape[1] : 1;
        var values = predictions.Span;
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (k == 1) { labels[i] = values[i] >= 0.5f ? 1 : 0; continue; }
            var row = values.Slice(i * k, k);
            int best = 0;
            for (int c = 1; c < k; c++) if (row[c] > row[best]) best = c;
            labels[i] = best;
        }
        return labels;
    }

    /// <summary>
    /// The true class of each sample from targets as training took them: int32 or float class indices (N,)
    /// or (N, 1) (sparse categorical, or binary 0/1), or one-hot rows (N, K) for K &gt; 1 (categorical).
    /// </summary>
    /// <exception cref="ShapeMismatchException">The tensor is none of these forms.</exception>
    /// <exception cref="DataFormatException">A class index is negative or not a whole number.</exception>
    public static int[] FromTargets(Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Rank is not (1 or 2))
            throw new ShapeMismatchException($"Targets must be class indices (N,) or (N, 1), or one-hot rows (N, classes), not {targets.Shape}.");
        int n = targets.Shape[0], k = targets.Rank == 2 ? targets.Shape[1] : 1;
        var labels = new int[n];
        if (targets.DType == DType.Int32)
        {
            if (k != 1) throw new ShapeMismatchException($"Int32 targets must be class indices (N,) or (N, 1), not {targets.Shape}.");
            targets.IntSpan.CopyTo(labels);
        }
        else if (k > 1) return FromPredictions(targets); // one-hot rows: the arg-max is the class
        else
        {
            var values = targets.Span;
            for (int i = 0; i < n; i++)
            {
                float v = values[i];
                if (!(v == MathF.Round(v)) || v > int.MaxValue)
                    throw new DataFormatException($"Target {i} is {v}, not a class index.");
                labels[i] = (int)v;
            }
        }
        for (int i = 0; i < n; i++)
            if (labels[i] < 0) throw new DataFormatException($"Target {i} is class {labels[i]}; classes are numbered from 0.");
        return labels;
    }
}
