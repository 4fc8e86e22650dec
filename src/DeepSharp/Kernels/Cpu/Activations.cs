using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Elementwise activations; see <see cref="NaiveActivations"/> for the exact contract.
/// ReLU and the backward passes give the twin's bits exactly (the same operations in the same
/// order, run by the <see cref="ElementwiseDriver"/>; ReLU's passes over large spans in chunks on
/// the worker pool, <see cref="ElementwiseParallel"/>); sigmoid and tanh use TensorPrimitives'
/// float approximations (a few ulp).
/// </summary>
internal static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        Require(y.Length >= x.Length, nameof(y));
        ElementwiseParallel.Map(default(ReluOperator), x, y);
    }

    /// <summary>dx += dy where x &gt; 0.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Require(dy.Length >= x.Length, nameof(dy));
        Require(dx.Length >= x.Length, nameof(dx));
        ElementwiseParallel.Map(default(ReluBackwardOperator), x, dy, dx, dx);
    }

    /// <summary>dy[i] = 0 where x[i] ≤ 0, in place (see <see cref="NaiveActivations.ReluMaskGradient"/>).</summary>
    public static void ReluMaskGradient(ReadOnlySpan<float> x, Span<float> dy)
    {
        Require(dy.Length >= x.Length, nameof(dy));
        ElementwiseParallel.Map(default(ReluMaskOperator), x, dy, dy);
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        if (!x.IsEmpty) TensorPrimitives.Sigmoid(x, y[..x.Length]); // it rejects empty spans
    }

    /// <summary>dx += dy·y·(1 − y), from the forward output y.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Require(dy.Length >= y.Length, nameof(dy));
        Require(dx.Length >= y.Length, nameof(dx));
        ElementwiseDriver.Map(default(SigmoidBackwardOperator), y, dy, dx, dx);
    }

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (!x.IsEmpty) TensorPrimitives.Tanh(x, y[..x.Length]);
    }

    /// <summary>dx += dy·(1 − y²), from the forward output y.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Require(dy.Length >= y.Length, nameof(dy));
        Require(dx.Length >= y.Length, nameof(dx));
        ElementwiseDriver.Map(default(TanhBackwardOperator), y, dy, dx, dx);
    }

    private static void Require(bool condition, string name)
    {
        if (!condition) throw new ArgumentException("Span is shorter than the input.", name);
    }
}
