using System.Runtime.ExceptionServices;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Inference of a Conv2D followed by MaxPooling2D on one image, in bands of rows shared over the
/// worker pool: each thread convolves the input rows its band of pooled rows needs and pools them
/// while they are in its cache. At batch 1 a small convolution (the seed CNN's, 195k multiply-adds)
/// is too little work for the convolution kernel to split, so it would run on one thread; a band is
/// one thread's whole conv + pool. Applies to a 'valid', stride-1, undilated convolution and a
/// 'valid' pool whose strides equal its size, so that a band's output rows are exactly the whole
/// image's: every output is computed from the same inputs in the same order, so the result is
/// bit-identical to the two layers run on the whole image.
/// </summary>
internal static class ConvPoolBands
{
    /// <summary>Below this many convolution multiply-adds a band is not worth a worker's wake-up.</summary>
    public const long MinWork = 1L << 16;

    /// <summary>conv → pool on <paramref name="x"/> (one image) in bands of rows; null when it does not apply or would not pay.</summary>
    internal static Tensor? TryBanded(Layer conv, Layer pool, Tensor x)
    {
        if (conv is not Conv2D c || pool is not MaxPooling2D p || !c.IsBuilt || x.Rank != 4 || x.Shape[0] != 1) return null;
        if (c.ActivityRegularizer is not null || p.ActivityRegularizer is not null || Threads.Count < 2) return null;
        if (c.Padding != Padding.Valid || c.Strides != (1, 1) || c.DilationRate != (1, 1)) return null;
        if (p.Padding != Padding.Valid || p.Strides != p.PoolSize) return null;
        var convShape = c.ComputeOutputShape(x.Shape.WithoutBatch()); // (oh, ow, filters); throws on a bad input
        var outShape = p.ComputeOutputShape(convShape);
        int pooledRows = outShape[0];
        long work = (long)convShape.Size * c.KernelSize.H * c.KernelSize.W * x.Shape[3];
        int bands = Math.Min(Threads.Count, pooledRows);
        if (bands < 2 || work < MinWork) return null;
        var result = Tensor.Temp(outShape.WithBatch(1));
        try
        {
            WorkerPool.Shared.For(bands, new BandBody(c, p, x, result, pooledRows, bands));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return result;
    }

    /// <summary>One band of pooled rows: the input rows it needs, convolved and pooled on whichever thread claims it.</summary>
    private sealed class BandBody(Conv2D conv, MaxPooling2D pool, Tensor x, Tensor result, int pooledRows, int bands) : IParallelBody
    {
        public void Execute(int index)
        {
            int q0 = (int)((long)pooledRows * index / bands), q1 = (int)((long)pooledRows * (index + 1) / bands);
            int ph = pool.PoolSize.H;
            int r0 = q0 * ph, inputRows = (q1 - q0) * ph + conv.KernelSize.H - 1; // conv rows [q0·ph, q1·ph) need these input rows
            int h = x.Shape[1], w = x.Shape[2], channels = x.Shape[3];
            // A worker thread has neither the caller's NoGrad nor its tensor scope: each band opens its own.
            using var noGrad = NoGrad.Scope();
            using var scope = Tensor.Scope();
            var band = Ops.Reshape(Ops.Reshape(x, h, w, channels).SliceRows(r0, inputRows), 1, inputRows, w, channels);
            var y = pool.CallOnPart(conv.CallOnPart(band));
            int perRow = y.Size / (q1 - q0);
            y.Span.CopyTo(result.Span.Slice(q0 * perRow, y.Size));
        }
    }
}
