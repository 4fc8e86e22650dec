using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Fused parameter updates; see <see cref="NaiveOptimizers"/> for the exact contract. Each runs its
/// operator (OptimizerOperators.cs) through the <see cref="UpdateDriver"/>, with the twin's
/// operations in the twin's order (no fused multiply-add), so the results are bit-identical to it.
/// </summary>
internal static partial class OptimizerKernels
{
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float alpha, float c1, float c2, float epsilon)
    {
        int n = w.Length;
        if (g.Length < n || m.Length < n || v.Length < n)
            throw new ArgumentException($"Adam on {n} weights got {g.Length} gradients, {m.Length} and {v.Length} moments.");
        UpdateDriver.Update(new AdamOperator(alpha, c1, c2, epsilon), w, g, m, v);
    }

    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, bool nesterov)
    {
        int n = w.Length;
        if (g.Length < n || (momentum != 0f && velocity.Length < n))
            throw new ArgumentException($"SGD on {n} weights got {g.Length} gradients and {velocity.Length} velocities.");
        if (momentum == 0f) UpdateDriver.Update(new SgdOperator(lr), w, g);
        else UpdateDriver.Update(new MomentumSgdOperator(lr, momentum, nesterov), w, g, velocity);
    }

    /// <summary>w −= w·wd·lr in place (AdamW's and the others' decoupled weight decay); the twin's bits.</summary>
    public static void DecayWeights(Span<float> w, float weightDecay, float learningRate) =>
        ElementwiseDriver.Map(new WeightDecayOperator(weightDecay, learningRate), w, w);
}
