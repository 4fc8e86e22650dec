namespace DeepSharp.Metrics;

/// <summary>Fraction of elements where (prediction &gt; threshold) agrees with the target label, positive above 0.5 (Keras's BinaryAccuracy, threshold 0.5).</summary>
/// <param name="threshold">Predictions above it count as positive (probabilities: 0.5; logits: 0).</param>
public sealed class BinaryAccuracy(float threshold = 0.5f) : RowMetric
{
    /// <summary>The cut above which a prediction counts as positive; targets are always positive above 0.5.</summary>
    public float Threshold { get; } = threshold;
    /// <inheritdoc/>
    public override string Name => "binary_accuracy";

    /// <summary>The fraction of a sample's elements predicted on the right side of <see cref="Threshold"/>.</summary>
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
    /// <inheritdoc/>
    public override string Name => "categorical_accuracy";
    /// <summary>1 when the row's argmax is the target's argmax (the first maximum on ties), else 0.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p) =>
        Accuracy.ArgMax(p) == Accuracy.ArgMax(TargetRow(yTrue, row)) ? 1 : 0;
}

/// <summary>Whether the argmax of the predictions equals an integer label.</summary>
public sealed class SparseCategoricalAccuracy : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "sparse_categorical_accuracy";
    /// <summary>1 when the row's argmax (the first maximum on ties) is the label, else 0.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p) =>
        Accuracy.ArgMax(p) == Label(yTrue, row) ? 1 : 0;
}

/// <summary>
/// Whether the target class (argmax of one-hot targets, or an integer label) is among the k highest
/// predictions (k = 5 by default); as TensorFlow's in_top_k, ties at the boundary count as in.
/// </summary>
/// <param name="k">How many of the highest predictions may hold the target class (positive).</param>
/// <param name="name">The name in logs and History (Keras's <c>name</c>); null for Keras's "top_k_categorical_accuracy", whatever k is.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive.</exception>
/// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
public sealed class TopKCategoricalAccuracy(int k = 5, string? name = null) : RowMetric
{
    /// <summary>A sample is a hit when fewer than k classes score strictly higher than its target class.</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
    private readonly string _name = name is null ? "top_k_categorical_accuracy"
        : name.Length > 0 ? name : throw new ArgumentException("A metric's name must not be empty.", nameof(name));

    /// <summary>
    /// The name given, else Keras's "top_k_categorical_accuracy" for every k (as Keras names it). Two of
    /// them in one Compile log as "top_k_categorical_accuracy" and "top_k_categorical_accuracy_1"; give
    /// names ("top_3") to tell them apart.
    /// </summary>
    public override string Name => _name;

    /// <summary>1 when the target class is among the k highest predictions (ties count as in), else 0.</summary>
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
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";
    /// <summary>The mean of (y_pred − y_true)² over the sample's last axis.</summary>
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
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";
    /// <summary>The mean of |y_pred − y_true| over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Abs((double)p[i] - t[i]);
        return s / p.Length;
    }
}
