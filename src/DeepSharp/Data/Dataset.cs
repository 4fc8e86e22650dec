using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// Samples addressed by index (a map-style dataset): <see cref="DataLoader"/> picks the indices of
/// each batch and asks for them together. Subclass it to read samples from disk on demand.
/// </summary>
public abstract class Dataset
{
    /// <summary>Number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>The samples at <paramref name="indices"/>, stacked into one batch.</summary>
    public abstract Batch GetBatch(ReadOnlySpan<int> indices);
}

/// <summary>In-memory tensors whose first axis is the sample axis.</summary>
public sealed class TensorDataset : Dataset
{
    public TensorDataset(Tensor x, Tensor y, Tensor? sampleWeight = null)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"TensorDataset: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"TensorDataset: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
        if (sampleWeight is not null && (sampleWeight.Size != x.Shape[0] || sampleWeight.DType != DType.Float32))
            throw new ShapeMismatchException($"TensorDataset: sample weights {sampleWeight.Shape} need one float per sample ({x.Shape[0]}).");
        (X, Y, SampleWeight) = (x, y, sampleWeight?.View(x.Shape[0]));
    }

    public Tensor X { get; }
    public Tensor Y { get; }
    public Tensor? SampleWeight { get; }
    public override int Count => X.Shape[0];

    public override Batch GetBatch(ReadOnlySpan<int> indices) =>
        new(X.GatherRows(indices), Y.GatherRows(indices), SampleWeight?.GatherRows(indices));
}
