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

/// <summary>
/// Whether an integer label is among the k highest predictions (k = 5 by default; ties at the boundary count as in,
/// as TensorFlow's in_top_k), Keras's SparseTopKCategoricalAccuracy. With <c>fromSortedIds</c> the predictions are
/// class ids already sorted from the highest score down, (batch, n), and a sample is a hit when its label is among the
/// first k of them.
/// </summary>
/// <param name="k">How many of the highest predictions may hold the label (positive).</param>
/// <param name="name">The name in logs and History; null for Keras's "sparse_top_k_categorical_accuracy", whatever k is.</param>
/// <param name="fromSortedIds">Whether predictions are sorted class ids rather than scores per class.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive.</exception>
/// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string? name = null, bool fromSortedIds = false) : RowMetric
{
    /// <summary>A sample is a hit when fewer than k classes score strictly higher than its label (or, from sorted ids, when the label is among the first k).</summary>
    public int K { get; } = k > 0 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "k must be positive.");
    /// <summary>Whether predictions are class ids sorted by score, highest first.</summary>
    public bool FromSortedIds { get; } = fromSortedIds;
    private readonly string _name = name is null ? "sparse_top_k_categorical_accuracy"
        : name.Length > 0 ? name : throw new ArgumentException("A metric's name must not be empty.", nameof(name));

    /// <summary>The name given, else Keras's "sparse_top_k_categorical_accuracy" for every k.</summary>
    public override string Name => _name;

    /// <inheritdoc/>
    /// <exception cref="ShapeMismatchException">The targets are not one label per prediction row.</exception>
    public override void Update(Tensors.Tensor yTrue, Tensors.Tensor yPred, Tensors.Tensor? sampleWeight)
    {
        if (yPred.Rank < 2 || yTrue.Size * yPred.Shape[-1] != yPred.Size)
            throw new ShapeMismatchException($"SparseTopKCategoricalAccuracy needs one integer label per prediction row; got targets {yTrue.Shape} for predictions {yPred.Shape}.");
        base.Update(yTrue, yPred, sampleWeight);
    }

    /// <summary>1 when the label is among the k highest predictions (ties count as in), else 0.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        int label = Label(yTrue, row);
        if (FromSortedIds)
        {
            for (int i = 0; i < Math.Min(K, p.Length); i++) if ((int)p[i] == label) return 1;
            return 0;
        }
        if ((uint)label >= (uint)p.Length)
            throw new ArgumentOutOfRangeException(nameof(yTrue), label, $"SparseTopKCategoricalAccuracy: label {label} is outside [0, {p.Length}) for predictions of {p.Length} classes.");
        int above = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > p[label]) above++;
        return above < K ? 1 : 0;
    }
}

/// <summary>Mean over samples of the mean over the last axis of (y_pred − y_true)².</summary>
public sealed class MeanSquaredError : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";
    /// <inheritdoc/>
    protected override bool PairsElements => true;
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
    /// <inheritdoc/>
    protected override bool PairsElements => true;
    /// <summary>The mean of |y_pred − y_true| over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += Math.Abs((double)p[i] - t[i]);
        return s / p.Length;
    }
}
