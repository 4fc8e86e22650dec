using System.Numerics;

namespace DeepSharp.Kernels.Cpu.Pool;

/// <summary>
/// Max-pool backward, one work item per image: a window never crosses images, so image n's input
/// gradient receives only image n's output gradients and images can run in parallel. Without
/// accumulation the image's gradient is cleared first, while it is hot in cache, instead of the
/// caller zero-filling the whole buffer beforehand.
/// </summary>
internal sealed unsafe class MaxPoolBackward : IParallelBody
{
    [ThreadStatic] private static MaxPoolBackward? t_instance;

    private Pool2DGeometry _g;
    private float* _dy, _dx, _pooled;
    private int* _argmax;
    private bool _accumulate;
    private int _misrouted;

    /// <summary>Runs the pass; returns how many argmax entries pointed outside their image (skipped).</summary>
    public static int Run(float* dy, int* argmax, float* dx, in Pool2DGeometry g, bool accumulate, float* pooled = null)
    {
        if (g.InputLength == 0) return 0;
        var body = t_instance ??= new MaxPoolBackward();
        body._g = g;
        body._dy = dy;
        body._argmax = argmax;
        body._dx = dx;
        body._pooled = pooled;
        (body._accumulate, body._misrouted) = (accumulate, 0);
        try { WorkerPool.Shared.For(g.Batch, body); }
        finally { body._dy = body._dx = body._pooled = null; body._argmax = null; }
        return body._misrouted;
    }

    public void Execute(int n)
    {
        ref readonly var g = ref _g;
        int inPerImage = g.InH * g.InW * g.Channels, outPerImage = g.OutH * g.OutW * g.Channels;
        float* dx = _dx;
        if (!_accumulate) new Span<float>(dx + (long)n * inPerImage, inPerImage).Clear();
        float* dy = _dy + (long)n * outPerImage;
        int* argmax = _argmax + (long)n * outPerImage;
        int first = n * inPerImage, misrouted = 0;
        KernelBounds.Range((long)n * outPerImage, outPerImage, g.OutputLength);
        if (_pooled is null)
        {
            for (int i = 0; i < outPerImage; i++)
            {
                int a = argmax[i];
                if ((uint)(a - first) < (uint)inPerImage) dx[a] += dy[i];
                else if (a != -1) misrouted++;
            }
        }
        else
        {
            // Through the ReLU before the pool: its derivative at the argmax is [pooled maximum > 0].
            // The mask is applied to a block of dy with vector selects first (a branch per element
            // mispredicts on ReLU's zeros, costing more than the pass it saves), then scattered.
            float* pooled = _pooled + (long)n * outPerImage;
            float* masked = stackalloc float[MaskBlock];
            for (int start = 0; start < outPerImage; start += MaskBlock)
            {
                int length = Math.Min(MaskBlock, outPerImage - start);
                MaskBlockOf(dy + start, pooled + start, masked, length);
                int* blockArgmax = argmax + start;
                for (int i = 0; i < length; i++)
                {
                    int a = blockArgmax[i];
                    if ((uint)(a - first) < (uint)inPerImage) dx[a] += masked[i];
                    else if (a != -1) misrouted++;
                }
            }
        }
        if (misrouted > 0) Interlocked.Add(ref _misrouted, misrouted);
    }

    private const int MaskBlock = 1024;

    /// <summary>masked[i] = pooled[i] &gt; 0 ? dy[i] : 0 for i &lt; length.</summary>
    private static void MaskBlockOf(float* dy, float* pooled, float* masked, int length)
    {
        int i = 0;
        for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var keep = Vector.GreaterThan(Vector.Load(pooled + i), Vector<float>.Zero);
            Vector.ConditionalSelect(keep, Vector.Load(dy + i), Vector<float>.Zero).Store(masked + i);
        }
        for (; i < length; i++) masked[i] = pooled[i] > 0f ? dy[i] : 0f;
    }
}
