using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Exact GELU (erf form, Keras's default <c>approximate=False</c>) and its gradient, vectorised.
/// See <see cref="Reference.NaiveGelu"/> for the contract.
/// </summary>
/// <remarks>
/// erf(z) for z ≥ 0 by Abramowitz &amp; Stegun 7.1.26: 1 − t·(a₁ + t(a₂ + t(a₃ + t(a₄ + t·a₅))))·e^(−z²),
/// t = 1/(1 + p·z), absolute error ≤ 1.5e-7 in erf, so 0.75e-7 in Φ; e^(−z²) = e^(−x²/2) also gives
/// the density φ(x) the gradient needs. Everything is float arithmetic: e^(−z²) is <see cref="FloatExp"/>
/// (≤ 1 ulp; the runtime's vector Exp for float computes in double, half the lanes per instruction),
/// the series Horner's rule by fused multiply-adds. Measured against the double twin dense over
/// [−10, 10] (GeluChecks.ErrorWithinDocumentedBound): |y − exact| ≤ 1.5e-7·|x| and |f′ − exact| ≤
/// 1.5e-7·(1 + |x|), plus a few ulps of the result (the A&amp;S error and the rounding of 1 − poly·e near 1);
/// exact 0 or x beyond where Φ saturates. One operator per pass (GeluOperators.cs) does every step on a
/// vector in registers, through the <see cref="ElementwiseDriver"/>, its scalar tail with the same
/// operations, so every width gives the same bits; tasks of <see cref="TaskElements"/> elements spread
/// over the worker pool (elementwise: any split gives the same bits).
/// </remarks>
internal static unsafe class GeluKernel
{
    private const int TaskElements = 8192;

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

    /// <summary>Tasks of <see cref="TaskElements"/> spread over the worker pool.</summary>
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
            int tasks = (n + TaskElements - 1) / TaskElements;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._x = body._dy = body._out = null; }
        }

        public void Execute(int task)
        {
            int start = task * TaskElements, n = Math.Min(TaskElements, _n - start);
            KernelBounds.Range(start, n, _n);
            var x = new ReadOnlySpan<float>(_x + start, n);
            var output = new Span<float>(_out + start, n);
            if (!_backward)
                ElementwiseDriver.Map(default(GeluOperator), x, output);
            else if (_accumulate)
                ElementwiseDriver.Map(default(GeluBackwardAccumulateOperator), x, new ReadOnlySpan<float>(_dy + start, n), output, output);
            else
                ElementwiseDriver.Map(default(GeluBackwardOperator), x, new ReadOnlySpan<float>(_dy + start, n), output);
        }
    }
}
