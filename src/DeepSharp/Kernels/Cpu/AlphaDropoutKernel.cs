using System.Numerics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// AlphaDropout's decisions and affine map in two parallel passes: mask[i] = a when element i is kept and 0
/// when dropped, y[i] = a·x[i] + b when kept and <c>dropped</c> (= a·α' + b) when dropped. The decisions are
/// <see cref="DropoutMaskKernel"/>'s (same key, threshold and element order, keep scale a), so
/// <see cref="Reference.NaiveAlphaDropout"/> is <see cref="Reference.NaiveDropoutMask"/> plus the map.
/// </summary>
/// <remarks>
/// The first pass is the dropout kernel itself (y = x·mask = a·x or 0); the second adds b where the mask is
/// a and writes the drop value where it is 0 (a &gt; 0, so the test is exact), on <see cref="Vector{T}"/> with
/// a scalar tail, in tasks of <see cref="TaskElements"/> over the worker pool: the same bits at any width
/// and thread count.
/// </remarks>
internal static unsafe class AlphaDropoutKernel
{
    private const int TaskElements = 16384;

    /// <summary>mask[i] = kept ? a : 0; y[i] = kept ? a·x[i] + b : dropped, for i in [0, x.Length).</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, uint k0, uint k1, uint threshold, float a, float b, float dropped)
    {
        if (!(a > 0f)) throw new ArgumentOutOfRangeException(nameof(a), a, "AlphaDropout's scale a must be positive.");
        DropoutMaskKernel.Apply(x, mask, y, k0, k1, threshold, a);
        fixed (float* pm = mask, py = y)
            Body.Run(pm, py, x.Length, b, dropped);
    }

    /// <summary>y[i] = mask[i] == 0 ? dropped : y[i] + b over [0, n).</summary>
    private static void Map(float* mask, float* y, int n, float b, float dropped)
    {
        int lanes = Vector<float>.Count, i = 0;
        var vb = new Vector<float>(b);
        var vd = new Vector<float>(dropped);
        for (; i <= n - lanes; i += lanes)
        {
            var isDropped = Vector.Equals(Vector.Load(mask + i), Vector<float>.Zero);
            Vector.Store(Vector.ConditionalSelect(isDropped, vd, Vector.Load(y + i) + vb), y + i);
        }
        for (; i < n; i++) y[i] = mask[i] == 0f ? dropped : y[i] + b;
    }

    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _mask, _y;
        private int _n;
        private float _b, _dropped;

        public static void Run(float* mask, float* y, int n, float b, float dropped)
        {
            if (n == 0) return;
            var body = t_instance ??= new Body();
            body._mask = mask;
            body._y = y;
            (body._n, body._b, body._dropped) = (n, b, dropped);
            int tasks = (n + TaskElements - 1) / TaskElements;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._mask = body._y = null; }
        }

        public void Execute(int task)
        {
            int start = task * TaskElements, n = Math.Min(TaskElements, _n - start);
            KernelBounds.Range(start, n, _n);
            Map(_mask + start, _y + start, n, _b, _dropped);
        }
    }
}
