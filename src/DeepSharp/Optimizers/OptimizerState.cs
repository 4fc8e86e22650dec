using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// An optimizer's state for checkpoints: the step count (which also fixes a schedule's position),
/// the current learning rate, slot tensors named "{parameter path}/{slot}" (e.g.
/// "dense/kernel/momentum") and optimizer-wide scalars (e.g. Nadam's "u_product").
/// </summary>
public sealed class OptimizerState
{
    /// <summary>Keras's optimizer name, checked on restore.</summary>
    public required string Optimizer { get; init; }
    public long Iterations { get; init; }
    public float LearningRate { get; init; }
    public Dictionary<string, Tensor> Tensors { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> Scalars { get; init; } = new(StringComparer.Ordinal);
}
