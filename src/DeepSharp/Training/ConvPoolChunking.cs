using System.Runtime.ExceptionServices;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Inference of a Conv2D followed by MaxPooling2D a few images at a time, so that the convolution's
/// output is pooled while it is still in cache instead of being written for the whole batch and read
/// back (at batch 256 the seed CNN's ReLU output is 22 MB). The chunks are shared over the worker
/// pool whole: each thread convolves and pools its own chunk in its own core's cache (the kernels
/// inside run on that thread), instead of every layer being split over the threads in turn. Both
/// layers compute each image on its own, so the result is bit-identical to running them on the whole
/// batch, whichever thread runs a chunk.
/// </summary>
internal static class ConvPoolChunking
{
    /// <summary>Convolution outputs per chunk: about 512 KB of floats, half a Zen 5 core's L2, so that its pooled output fits beside it.</summary>
    public const int ChunkFloats = 1 << 17;

    /// <summary>conv → pool on <paramref name="x"/> in chunks of images; null when it does not apply or would not pay.</summary>
    internal static Tensor? TryChunked(Layer conv, Layer pool, Tensor x)
    {
        if (conv is not (Conv2D or QuantizedConv2D) || pool is not MaxPooling2D || !conv.IsBuilt || x.Rank != 4) return null;
        if (conv.ActivityRegularizer is not null || pool.ActivityRegularizer is not null) return null;
        var convShape = conv.ComputeOutputShape(x.Shape.WithoutBatch());
        int perChunk = Math.Max(1, ChunkFloats / Math.Max(1, convShape.Size));
        int batch = x.Shape[0];
        if (batch < 2 * perChunk) return null;
        // The result is a temporary of the caller's scope (Predict's batch scope), made before the chunks run.
        var outShape = pool.ComputeOutputShape(convShape).WithBatch(batch);
        var result = Tensor.Temp(outShape);
        int chunks = (batch + perChunk - 1) / perChunk;
        try
        {
            WorkerPool.Shared.For(chunks, new ChunkBody(conv, pool, x, result, perChunk));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return result;
    }

    /// <summary>One chunk of images through both layers, on whichever thread claims it.</summary>
    private sealed class ChunkBody(Layer conv, Layer pool, Tensor x, Tensor result, int perChunk) : IParallelBody
    {
        public void Execute(int index)
        {
            int start = index * perChunk, count = Math.Min(perChunk, x.Shape[0] - start);
            // A worker thread has neither the caller's NoGrad nor its tensor scope: each chunk opens its own.
            using var noGrad = NoGrad.Scope();
            using var scope = Tensor.Scope();
            var y = pool.Call(conv.Call(x.SliceRows(start, count)));
            y.Span.CopyTo(result.Span.Slice(start * (y.Size / count), y.Size));
        }
    }
}
