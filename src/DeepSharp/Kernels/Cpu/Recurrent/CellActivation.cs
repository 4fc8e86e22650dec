using System.Numerics;
using System.Runtime.InteropServices;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The activations a recurrent cell applies (Keras's <c>activation</c> and <c>recurrent_activation</c>).
/// Each derivative is a function of the activation's output, so backward passes read only what the
/// forward pass stored.
/// </summary>
public enum CellActivation
{
    Linear,
    Tanh,
    Sigmoid,
    Relu,
}

/// <summary>Applies a <see cref="CellActivation"/> and its derivative; see <see cref="NaiveCellActivations"/>.</summary>
public static class CellActivations
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
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pd = ref MemoryMarshal.GetReference(d);
        int i = 0, n = y.Length, width = Vector<float>.Count;
        switch (f)
        {
            case CellActivation.Linear:
                break;
            case CellActivation.Tanh:
                if (Vector.IsHardwareAccelerated)
                    for (; i <= n - width; i += width)
                    {
                        var v = Vector.LoadUnsafe(ref py, (nuint)i);
                        (Vector.LoadUnsafe(ref pd, (nuint)i) * (Vector<float>.One - v * v)).StoreUnsafe(ref pd, (nuint)i);
                    }
                for (; i < n; i++) d[i] *= 1f - y[i] * y[i];
                break;
            case CellActivation.Sigmoid:
                if (Vector.IsHardwareAccelerated)
                    for (; i <= n - width; i += width)
                    {
                        var v = Vector.LoadUnsafe(ref py, (nuint)i);
                        (Vector.LoadUnsafe(ref pd, (nuint)i) * (v * (Vector<float>.One - v))).StoreUnsafe(ref pd, (nuint)i);
                    }
                for (; i < n; i++) d[i] *= y[i] * (1f - y[i]);
                break;
            case CellActivation.Relu:
                if (Vector.IsHardwareAccelerated)
                    for (; i <= n - width; i += width)
                    {
                        var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref py, (nuint)i), Vector<float>.Zero);
                        Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref pd, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref pd, (nuint)i);
                    }
                for (; i < n; i++) if (!(y[i] > 0)) d[i] = 0f;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown cell activation.");
        }
    }
}
