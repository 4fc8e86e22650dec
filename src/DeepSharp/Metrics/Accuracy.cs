using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Keras's "accuracy" as compile() resolves it: categorical (argmax of one-hot targets) when the
/// targets have the predictions' shape, sparse (integer labels) when they are (batch,) or
/// (batch, 1), and binary (threshold 0.5) for a single output column. With sample weights it is
/// Σ wᵢ·hitᵢ / Σ wᵢ. Sequence predictions (batch, positions..., classes) count every position, with
/// labels (batch, positions...) or one-hot targets of the predictions' shape; a mask on them
/// (Fit and Evaluate pass the model output's) leaves out the masked positions.
/// </summary>
public sealed class Accuracy : Metric
{
    private double _correct;
    private double _total;

    /// <inheritdoc/>
    public override string Name => "accuracy";

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yPred.Rank == 0 || yTrue.Rank == 0 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"Accuracy: targets {yTrue.Shape} and predictions {yPred.Shape} must have the same batch size.");
        int batch = yPred.Shape[0];
        (yTrue, yPred) = AsRows(yTrue, yPred, "Accuracy");
        int n = yPred.Shape[0];
        var weights = RowWeights(sampleWeight, batch, n, out int rowsPerWeight);
        int classes = n == 0 ? 0 : yPred.Size / n;
        var p = yPred.Span;
        for (int i = 0; i < n; i++)
        {
            var row = p.Slice(i * classes, classes);
            bool hit;
            if (classes == 1)
            {
                hit = (row[0] > 0.5f) == BinaryElements.IsPositive(TargetValue(yTrue, i));
            }
            else if (yTrue.Size == yPred.Size && yTrue.DType == DType.Float32)
            {
                hit = ArgMax(row) == ArgMax(yTrue.Span.Slice(i * classes, classes));
            }
            else
            {
                hit = ArgMax(row) == (int)TargetValue(yTrue, i);
            }
            float w = WeightAt(weights, i / rowsPerWeight);
            if (hit) _correct += w;
            _total += w;
        }
    }

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>The weighted fraction of hits, in [0, 1]; 0 while the weights sum to 0.</summary>
    public override double Result() => _total == 0 ? 0 : _correct / _total;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _total) = (0, 0);

    /// <summary>The weighted hit count and the sum of weights.</summary>
    public override double[]? GetState() => [_correct, _total];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2 || !IsTotal(state[0]) || !IsTotal(state[1])) return false;
        (_correct, _total) = (state[0], state[1]);
        return true;
    }

    private static float TargetValue(Tensor yTrue, int row) =>
        yTrue.DType == DType.Int32 ? yTrue.IntSpan[row] : yTrue.Span[row];

    /// <summary>Index of the first maximum (as NumPy's argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
