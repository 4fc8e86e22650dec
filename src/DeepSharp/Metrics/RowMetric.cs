using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A metric that averages a per-sample score over every sample seen (Keras's MeanMetricWrapper):
/// Σ wᵢ·scoreᵢ / Σ wᵢ, with weights of 1 when none are given (0 before any weight is seen).
/// Sequence predictions (batch, positions..., classes) are scored per position (weights per sample
/// repeat over its positions, or come one per position), and a mask on them leaves out the masked
/// positions, as Keras's mean-metric wrappers do.
/// </summary>
public abstract class RowMetric : Metric
{
    private double _sum;
    private double _count;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yPred.Rank == 0 || yTrue.Rank == 0 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} must have the same batch size.");
        if (PairsElements && yTrue.Size != yPred.Size)
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} need one target per prediction.");
        int batch = yPred.Shape[0];
        yTrue = yTrue.ToFloat();   // int32 targets (0/1 labels, class indices) as floats, as Keras casts y_true
        if (PairsElements && Axis != -1) (yTrue, yPred) = (AxisLast(yTrue.View(yPred.Shape), Axis, yPred.Shape), AxisLast(yPred, Axis, yPred.Shape));
        (yTrue, yPred) = AsRows(yTrue, yPred, GetType().Name);
        int n = yPred.Shape[0];
        var weights = RowWeights(sampleWeight, batch, n, out int rowsPerWeight);
        int cols = n == 0 ? 0 : yPred.Size / n;
        var p = yPred.Span;
        for (int i = 0; i < n; i++)
        {
            float w = WeightAt(weights, i / rowsPerWeight);
            _sum += w * Score(yTrue, i, p.Slice(i * cols, cols));
            _count += w;
        }
    }

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>The weighted mean score Σ wᵢ·scoreᵢ / Σ wᵢ; 0 while the weights sum to 0.</summary>
    public override double Result() => _count == 0 ? 0 : _sum / _count;
    /// <inheritdoc/>
    public override void Reset() => (_sum, _count) = (0, 0);

    /// <summary>The weighted sum of scores and the sum of weights.</summary>
    public override double[]? GetState() => [_sum, _count];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2 || !IsTotal(state[0]) || !IsTotal(state[1])) return false;
        (_sum, _count) = (state[0], state[1]);
        return true;
    }

    /// <summary>
    /// Whether every prediction has its own target (element-wise scores such as MSE or hinge): a batch whose
    /// targets and predictions differ in size is then refused with both shapes, before any row is scored.
    /// </summary>
    protected virtual bool PairsElements => false;

    /// <summary>
    /// The axis each score runs along (Keras's <c>axis</c> of CosineSimilarity and CategoricalCrossentropy; negative
    /// counts from the end): −1, the last, by default. Another axis is moved to the end before scoring, so that each
    /// remaining position of a sample is scored (and weighed by the sample's weight).
    /// </summary>
    public virtual int Axis => -1;

    /// <summary>A copy of <paramref name="x"/> with <paramref name="axis"/> moved to the end (the others keep their order).</summary>
    /// <exception cref="ShapeMismatchException">The axis is the batch axis or outside <paramref name="shape"/>.</exception>
    private protected Tensor AxisLast(Tensor x, int axis, Shape shape)
    {
        int rank = shape.Rank, a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank)
            throw new ShapeMismatchException($"{GetType().Name}: axis {axis} is not a non-batch axis of predictions {shape}.");
        if (a == rank - 1) return x;
        int outer = 1, inner = 1, n = shape[a];
        var dims = new int[rank];
        for (int d = 0, k = 0; d < rank; d++) if (d != a) dims[k++] = shape[d];
        dims[rank - 1] = n;
        for (int d = 0; d < a; d++) outer *= shape[d];
        for (int d = a + 1; d < rank; d++) inner *= shape[d];
        var moved = Tensor.Temp(new Shape(dims));
        var src = x.Span;
        var dst = moved.Span;
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < n; k++)
                for (int i = 0; i < inner; i++)
                    dst[(o * inner + i) * n + k] = src[(o * n + k) * inner + i];
        return moved;
    }

    /// <summary>The score of sample <paramref name="row"/> given its predictions.</summary>
    protected abstract double Score(Tensor yTrue, int row, ReadOnlySpan<float> predictions);

    /// <summary>The targets of one sample as floats (one value for integer labels).</summary>
    protected static ReadOnlySpan<float> TargetRow(Tensor yTrue, int row)
    {
        int n = yTrue.Shape[0];
        int cols = yTrue.Size / n;
        return yTrue.Span.Slice(row * cols, cols);
    }

    /// <summary>An integer label of one sample (int32, or a whole float).</summary>
    protected static int Label(Tensor yTrue, int row) =>
        yTrue.DType == DType.Int32 ? yTrue.IntSpan[row] : (int)yTrue.Span[row];
}
