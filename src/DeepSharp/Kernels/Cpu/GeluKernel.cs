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
/// elements through TensorPrimitives, each pass over a chunk that stays in L1; tasks of 8 chunks
/// spread over the worker pool.
/// </remarks>
public static unsafe class GeluKernel
{
    private const int Chunk = 1024, ChunksPerTask = 8;
    private const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>y = x·Φ(x).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements; x has {x.Length}.", nameof(y));
        fixed (float* px = x, py = y)
            Body.Run(px, null, py, x.Length, backward: false, accumulate: false);
    }

    /// <summary>dx (+)= dy·(Φ(x) + x·φ(x)); overwrites dx unless <paramref name="accumulate"/>.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        if (dy.Length < x.Length || dx.Length < x.Length)
            throw new ArgumentException($"dy has {dy.Length} and dx {dx.Length} elements; x has {x.Length}.");
        fixed (float* px = x, pdy = dy, pdx = dx)
            Body.Run(px, pdy, pdx, x.Length, backward: true, accumulate);
    }

    /// <summary>Chunks spread over the worker pool (elementwise: any split gives the same bits).</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _x, _dy, _out;
        private int _n;
        private bool _backward, _accumulate;

        public static void Run(float* x, float* dy, float* output, int n, bool backward, bool accumulate)
        {
            if (n == 0) return;
            var body = t_instance ??= new Body();
            body._x = x;
            body._dy = dy;
            body._out = output;
            (body._n, body._backward, body._accumulate) = (n, backward, accumulate);
            int tasks = (n + Chunk * ChunksPerTask - 1) / (Chunk * ChunksPerTask);
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._x = body._dy = body._out = null; }
        }

        public void Execute(int task)
        {
            Span<float> cdf = stackalloc float[Chunk];
            Span<float> density = stackalloc float[Chunk];
            Span<float> poly = stackalloc float[Chunk];
            int end = (int)Math.Min(_n, (long)(task + 1) * Chunk * ChunksPerTask);
            for (int start = task * Chunk * ChunksPerTask; start < end; start += Chunk)
            {
                int n = Math.Min(Chunk, end - start);
                KernelBounds.Range(start, n, _n);
                var xs = new ReadOnlySpan<float>(_x + start, n);
                var c = cdf[..n];
                var d = density[..n];
                Cdf(xs, c, d, poly[..n]);
                var output = new Span<float>(_out + start, n);
                if (!_backward)
                {
                    TensorPrimitives.Multiply(xs, c, output);
                    continue;
                }
                // f′ = Φ + x·φ, φ = e^(−x²/2)/√(2π)
                TensorPrimitives.Multiply(d, InvSqrt2Pi, d);
                TensorPrimitives.FusedMultiplyAdd(xs, d, c, c);
                var dy = new ReadOnlySpan<float>(_dy + start, n);
                if (_accumulate) TensorPrimitives.FusedMultiplyAdd(dy, c, output, output);
                else TensorPrimitives.Multiply(dy, c, output);
            }
        }
    }

    /// <summary>cdf = Φ(x) and e = e^(−x²/2) for one chunk; <paramref name="poly"/> is scratch.</summary>
    private static void Cdf(ReadOnlySpan<float> x, Span<float> cdf, Span<float> e, Span<float> poly)
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
        poly.Fill(A5);
        TensorPrimitives.MultiplyAdd(poly, cdf, A4, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A3, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A2, poly);
        TensorPrimitives.MultiplyAdd(poly, cdf, A1, poly);
        TensorPrimitives.Multiply(poly, cdf, poly);
        // erf(|z|) = 1 − poly·e; Φ(x) = ½ + ½·copysign(erf, x)
        TensorPrimitives.Multiply(poly, e, poly);
        TensorPrimitives.Subtract(1f, poly, poly);
        TensorPrimitives.CopySign(poly, x, poly);
        TensorPrimitives.Multiply(poly, 0.5f, cdf);
        TensorPrimitives.Add(cdf, 0.5f, cdf);
    }
}
