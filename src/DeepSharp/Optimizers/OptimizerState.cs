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
    /// <summary>Updates applied so far; restoring it also puts a schedule back at its position.</summary>
    public long Iterations { get; init; }
    /// <summary>The rate when the state was taken; restored onto a constant rate only (a schedule recomputes it from <see cref="Iterations"/>).</summary>
    public float LearningRate { get; init; }
    /// <summary>Slot tensors keyed "{parameter path}/{slot}", e.g. "dense/kernel/momentum".</summary>
    public Dictionary<string, Tensor> Tensors { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Optimizer-wide numbers beyond the step and the rate, e.g. Nadam's "u_product".</summary>
    public Dictionary<string, double> Scalars { get; init; } = new(StringComparer.Ordinal);
}
