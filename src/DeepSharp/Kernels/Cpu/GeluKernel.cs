using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Exact GELU (erf form, Keras's default <c>approximate=False</c>) and its gradient, vectorised.
/// See <see cref="Reference.NaiveGelu"/> for the contract.
/// </summary>
/// <remarks>
/// erf(z) for z ≥ 0 by Abramowitz &amp; Stegun 7.1.26: 1 − t·(a₁ + t(a₂ + t(a₃ + t(a₄ + t·a₅))))·e^(−z²),
/// t = 1/(1 + p·z), absolute error ≤ 1.5e-7 in Φ, so |GELU error| ≤ 0.75e-7·|x| (under 1e-6 for
/// |x| ≤ 13, and exact 0 or x beyond where Φ saturates). e^(−z²) = e^(−x²/2)
/// also gives the density φ(x) the gradient needs. Work runs in chunks of <see cref="Chunk"/>
/// elements through TensorPrimitives, each pass over a chunk that stays in L1.
/// </remarks>
public static class GeluKernel
{
    private const int Chunk = 1024;
    private const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>y = x·Φ(x).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements; x has {x.Length}.", nameof(y));
        Span<float> cdf = stackalloc float[Chunk];
        Span<float> density = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            Cdf(xs, cdf[..n], density[..n]);
            TensorPrimitives.Multiply(xs, cdf[..n], y.Slice(start, n));
        }
    }

    /// <summary>dx (+)= dy·(Φ(x) + x·φ(x)); overwrites dx unless <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        if (dy.Length < x.Length || dx.Length < x.Length)
            throw new ArgumentException($"dy has {dy.Length} and dx {dx.Length} elements; x has {x.Length}.");
        Span<float> cdf = stackalloc float[Chunk];
        Span<float> density = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var c = cdf[..n];
            var d = density[..n];
            Cdf(xs, c, d);
            // f′ = Φ + x·φ, φ = e^(−x²/2)/√(2π)
            TensorPrimitives.Multiply(d, InvSqrt2Pi, d);
            TensorPrimitives.FusedMultiplyAdd(xs, d, c, c);
            var g = dx.Slice(start, n);
            if (accumulate) TensorPrimitives.FusedMultiplyAdd(dy.Slice(start, n), c, g, g);
            else TensorPrimitives.Multiply(dy.Slice(start, n), c, g);
        }
    }

    /// <summary>cdf = Φ(x) and e = e^(−x²/2) for one chunk.</summary>
    private static void Cdf(ReadOnlySpan<float> x, Span<float> cdf, Span<float> e)
    {
        // z = |x|/√2; e = exp(−z²)
        TensorPrimitives.Abs(x, cdf);
        TensorPrimitives.Multiply(cdf, InvSqrt2, cdf);
        TensorPrimitives.Multiply(cdf, cdf, e);
        TensorPrimitives.Negate(e, e);
        TensorPrimitives.Exp(e, e);
        // t = 1/(1 + p·z), then the polynomial by Horner, kept in cdf
        TensorPrimitives.Multiply(cdf, P, cdf);
        TensorPrimitives.Add(cdf, 1f, cdf);
        TensorPrimitives.Reciprocal(cdf, cdf);
        Span<float> poly = stackalloc float[cdf.Length];
        poly.Fill(A5);
        TensorPrimitives.MultiplyAdd(poly, cdf, A4, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A3, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A2, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A1, poly);
        TensorPrimitives.Multiply(poly, cdf, poly);
        // erf(|z|) = 1 − poly·e; Φ(x) = ½(1 ± erf) by the sign of x
        TensorPrimitives.Multiply(poly, e, poly);
        for (int i = 0; i < x.Length; i++)
        {
            float erf = 1f - poly[i];
            cdf[i] = x[i] >= 0f ? 0.5f + 0.5f * erf : 0.5f - 0.5f * erf;
        }
    }
}
