using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>One mini-batch: inputs, targets and optional per-sample weights (batch,).</summary>
public sealed record Batch(Tensor X, Tensor Y, Tensor? SampleWeight = null)
{
    /// <summary>Samples in the batch.</summary>
    public int Size => X.Shape[0];
}
