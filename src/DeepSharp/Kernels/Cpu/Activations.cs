using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Elementwise activations; see <see cref="NaiveActivations"/> for the exact contract.
/// ReLU and the backward passes give the twin's bits exactly (same operations in the same
/// order, vectorised); sigmoid and tanh use TensorPrimitives' float approximations (a few ulp).
/// </summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        Require(y.Length >= x.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref px, (nuint)i);
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero).StoreUnsafe(ref py, (nuint)i);
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0f;
    }

    /// <summary>dx += dy where x &gt; 0.</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Require(dy.Length >= x.Length, nameof(dy));
        Require(dx.Length >= x.Length, nameof(dx));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = Vector.LoadUnsafe(ref pdx, (nuint)i);
                var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref px, (nuint)i), Vector<float>.Zero);
                Vector.ConditionalSelect(positive, d + Vector.LoadUnsafe(ref pdy, (nuint)i), d).StoreUnsafe(ref pdx, (nuint)i);
            }
        }
        for (; i < x.Length; i++) if (x[i] > 0) dx[i] += dy[i];
    }

    /// <summary>dy[i] = 0 where x[i] ≤ 0, in place (see <see cref="NaiveActivations.ReluMaskGradient"/>).</summary>
    public static void ReluMaskGradient(ReadOnlySpan<float> x, Span<float> dy)
    {
        Require(dy.Length >= x.Length, nameof(dy));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref px, (nuint)i), Vector<float>.Zero);
                Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref pdy, (nuint)i), Vector<float>.Zero).StoreUnsafe(ref pdy, (nuint)i);
            }
        }
        for (; i < x.Length; i++) if (!(x[i] > 0)) dy[i] = 0f;
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
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref py, (nuint)i);
                var g = Vector.LoadUnsafe(ref pdy, (nuint)i) * v * (Vector<float>.One - v);
                (Vector.LoadUnsafe(ref pdx, (nuint)i) + g).StoreUnsafe(ref pdx, (nuint)i);
            }
        }
        for (; i < y.Length; i++) dx[i] += dy[i] * y[i] * (1f - y[i]);
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
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pdy = ref MemoryMarshal.GetReference(dy);
        ref float pdx = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.LoadUnsafe(ref py, (nuint)i);
                var g = Vector.LoadUnsafe(ref pdy, (nuint)i) * (Vector<float>.One - v * v);
                (Vector.LoadUnsafe(ref pdx, (nuint)i) + g).StoreUnsafe(ref pdx, (nuint)i);
            }
        }
        for (; i < y.Length; i++) dx[i] += dy[i] * (1f - y[i] * y[i]);
    }

    private static void Require(bool condition, string name)
    {
        if (!condition) throw new ArgumentException("Span is shorter than the input.", name);
    }
}
