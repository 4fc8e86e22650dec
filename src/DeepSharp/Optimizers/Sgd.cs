using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Optimizers;

/// <summary>
/// Stochastic gradient descent, Keras 3 form: with momentum μ, v = μ·v − lr·g and w += v, or
/// with Nesterov w += μ·v − lr·g.
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        if (!(momentum >= 0f && momentum <= 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public override string Name => "sgd";
    public float Momentum { get; }
    public bool Nesterov { get; }
    protected override int SlotCount => Momentum == 0f ? 0 : 1;

    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Tensor[] slots) =>
        OptimizerKernels.Sgd(weights, gradient, slots.Length > 0 ? slots[0].Span : default, LearningRate, Momentum, Nesterov);
}
