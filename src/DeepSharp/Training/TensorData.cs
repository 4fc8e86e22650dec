using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// In-memory data as every tensor overload of Fit and Evaluate hands it on: one tensor per input,
/// one target per output (null: that output has none), and sample weights for every output or one
/// tensor per output. The one place where <c>validationSplit</c> is taken and loaders are made, so
/// single tensors, lists and dictionaries split and batch alike.
/// </summary>
internal sealed record TensorData(Tensor[] X, Tensor?[] Y, Tensor? SampleWeight = null, Tensor?[]? SampleWeights = null)
{
    public int Samples => X[0].Shape[0];

    /// <summary>
    /// Keras's validation_split: the last ⌊samples·fraction⌋ samples, taken before any shuffling, are
    /// held out, with their sample weights (class weights apply to the training part only).
    /// </summary>
    public (TensorData Train, TensorData Validation) Split(float fraction)
    {
        int samples = Samples, held = (int)(samples * fraction), kept = samples - held;
        return (Rows(0, kept), Rows(kept, held));
    }

    /// <summary>The data set of these tensors: a plain one for one input and one target (its batches allocate no lists).</summary>
    public TensorDataset ToDataset() =>
        X.Length == 1 && Y is [{ } y] && SampleWeights is null ? new TensorDataset(X[0], y, SampleWeight)
        : SampleWeights is null ? new TensorDataset(X, Y, SampleWeight)
        : new TensorDataset(X, Y, SampleWeights);

    /// <summary>Batches in order, made on the caller's thread: for validation data and Evaluate.</summary>
    public DataLoader InOrder(int batchSize) => new(ToDataset(), batchSize, shuffle: false, prefetch: 0);

    private TensorData Rows(int start, int count)
    {
        var x = new Tensor[X.Length];
        for (int i = 0; i < x.Length; i++) x[i] = X[i].SliceRows(start, count);
        var y = new Tensor?[Y.Length];
        for (int i = 0; i < y.Length; i++) y[i] = Y[i]?.SliceRows(start, count);
        Tensor?[]? weights = null;
        if (SampleWeights is not null)
        {
            weights = new Tensor?[SampleWeights.Length];
            for (int i = 0; i < weights.Length; i++) weights[i] = WeightRows(SampleWeights[i], start, count);
        }
        return new TensorData(x, y, WeightRows(SampleWeight, start, count), weights);
    }

    /// <summary>Rows [start, start + count) of sample weights, (samples,) or (samples, time); a scalar weighs one sample.</summary>
    private static Tensor? WeightRows(Tensor? weights, int start, int count) =>
        weights is null ? null : (weights.Rank == 0 ? weights.View(1) : weights).SliceRows(start, count);
}
