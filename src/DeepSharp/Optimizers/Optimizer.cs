using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Updates parameters from their gradients. Per-parameter state (slots such as Adam's moments)
/// is created on first use and kept by parameter.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Parameter, Tensor[]> _slots = new(ReferenceEqualityComparer.Instance);

    protected Optimizer(float learningRate)
    {
        if (!(learningRate > 0f) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Learning rate must be a positive finite number.");
        LearningRate = learningRate;
    }

    /// <summary>Keras's name, e.g. "adam".</summary>
    public abstract string Name { get; }

    public float LearningRate { get; set; }

    /// <summary>Number of update steps applied so far.</summary>
    public long Iterations { get; private set; }

    /// <summary>Applies one update to every trainable parameter that has a gradient.</summary>
    public void Apply(IEnumerable<Parameter> parameters)
    {
        Iterations++;
        foreach (var p in parameters)
        {
            if (!p.Trainable || p.Value.Grad is not { } grad) continue;
            if (!_slots.TryGetValue(p, out var slots))
            {
                slots = new Tensor[SlotCount];
                for (int i = 0; i < slots.Length; i++) slots[i] = Tensor.Zeros(p.Shape);
                _slots[p] = slots;
            }
            Update(p.Value.Span, grad.Span, slots);
        }
    }

    /// <summary>State tensors kept per parameter (0 for plain SGD).</summary>
    protected abstract int SlotCount { get; }

    /// <summary>Updates one parameter in place. <see cref="Iterations"/> already counts this step.</summary>
    protected abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots);
}
