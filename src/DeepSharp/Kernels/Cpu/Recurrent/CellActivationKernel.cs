using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Applies a <see cref="CellActivation"/> and its derivative; see <see cref="NaiveCellActivationKernel"/>.</summary>
internal static class CellActivationKernel
{
    /// <summary>x = f(x), in place.</summary>
    public static void Apply(CellActivation f, Span<float> x)
    {
        switch (f)
        {
            case CellActivation.Linear: break;
            case CellActivation.Tanh: Activations.Tanh(x, x); break;
            case CellActivation.Sigmoid: Activations.Sigmoid(x, x); break;
            case CellActivation.Relu: Activations.Relu(x, x); break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown cell activation.");
        }
    }

    /// <summary>
    /// d ⊙= f′, written through the output y = f(x): tanh 1 − y², sigmoid y·(1 − y), relu [y &gt; 0],
    /// linear 1.
    /// </summary>
    public static void MultiplyDerivative(CellActivation f, ReadOnlySpan<float> y, Span<float> d)
    {
        if (d.Length < y.Length) throw new ArgumentException($"Cell activation derivative: {d.Length} gradients for {y.Length} outputs.", nameof(d));
        switch (f)
        {
            case CellActivation.Linear: break;
            case CellActivation.Tanh: ElementwiseDriver.Map(default(TanhDerivativeOperator), y, d, d); break;
            case CellActivation.Sigmoid: ElementwiseDriver.Map(default(SigmoidDerivativeOperator), y, d, d); break;
            case CellActivation.Relu: ElementwiseDriver.Map(default(ReluMaskOperator), y, d, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown cell activation.");
        }
    }
}
