namespace DeepSharp.Metrics;

/// <summary>Fraction of elements where (prediction &gt; threshold) agrees with the target label, positive above 0.5 (Keras's BinaryAccuracy, threshold 0.5).</summary>
public sealed class BinaryAccuracy(float threshold = 0.5f) : RowMetric
{
    public float Threshold { get; } = threshold;
    public override string Name => "binary_accuracy";

    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        int hits = 0;
        for (int i = 0; i < p.Length; i++) if ((p[i] > Threshold) == BinaryElements.IsPositive(t[i])) hits++;
        return (double)hits / p.Length;
    }
}

/// <summary>Whether the argmax of the predictions equals the argmax of one-hot targets.</summary>
public sealed class CategoricalAccuracy : RowMetric
{
    public override string Name => "categorical_accuracy";
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p) =>
        Accuracy.ArgMax(p) == Accuracy.ArgMax(TargetRow(yTrue, row)) ? 1 : 0;
}

/// <summary>Whether the argmax of the predictions equals an integer label.</summary>
public sealed class SparseCategoricalAccuracy : RowMetric
{
    public override string Name => "sparse_categorical_accuracy";
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p) =>
        Accuracy.ArgMax(p) == Label(yTrue, row) ? 1 : 0;
}

/// <summary>
/// Whether the target class (argmax of one-hot targets, or an integer label) is among the k highest
/// predictions (k = 5 by default); as TensorFlow's in_top_k, ties at the boundary count as in.
/// </summary>
public sealed class TopKCategoricalAccuracy(int k = 5) : RowMetric
{
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
    public override string Name => K == 5 ? "top_k_categorical_accuracy" : $"top_{K}_categorical_accuracy";

    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        int target = yTrue.Size == p.Length * yTrue.Shape[0] && yTrue.DType == Tensors.DType.Float32 && p.Length > 1
            ? Accuracy.ArgMax(TargetRow(yTrue, row)) : Label(yTrue, row);
        int above = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > p[target]) above++;
        return above < K ? 1 : 0;
    }
}

/// <summary>Mean over samples of the mean over the last axis of (y_pred − y_true)².</summary>
public sealed class MeanSquaredError : RowMetric
{
    public override string Name => "mean_squared_error";
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += ((double)p[i] - t[i]) * ((double)p[i] - t[i]);
        return s / p.Length;
    }
}

/// <summary>Mean over samples of the mean over the last axis of |y_pred − y_true|.</summary>
public sealed class MeanAbsoluteError : RowMetric
{
    public override string Name => "mean_absolute_error";
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Abs((double)p[i] - t[i]);
        return s / p.Length;
    }
}
