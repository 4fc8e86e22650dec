using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Inference of a Conv2D followed by MaxPooling2D a few images at a time, so that the convolution's
/// output is pooled while it is still in cache instead of being written for the whole batch and read
/// back (at batch 256 the seed CNN's ReLU output is 22 MB). Both layers compute each image on its own,
/// so the result is bit-identical to running them on the whole batch.
/// </summary>
internal static class ConvPoolChunking
{
    /// <summary>Convolution outputs per chunk: about 1 MB of floats, the size of an L2 cache.</summary>
    public const int ChunkFloats = 1 << 18;

    /// <summary>conv → pool on <paramref name="x"/> in chunks of images; null when it does not apply or would not pay.</summary>
    internal static Tensor? TryChunked(Layer conv, Layer pool, Tensor x)
    {
        if (conv is not (Conv2D or QuantizedConv2D) || pool is not MaxPooling2D || !conv.IsBuilt || x.Rank != 4) return null;
        if (conv.ActivityRegularizer is not null || pool.ActivityRegularizer is not null) return null;
        var convShape = conv.ComputeOutputShape(x.Shape.WithoutBatch());
        int perChunk = Math.Max(1, ChunkFloats / Math.Max(1, convShape.Size));
        int batch = x.Shape[0];
        if (batch < 2 * perChunk) return null;
        // The result is a temporary of the caller's scope (Predict's batch scope), made before the chunk scopes.
        var outShape = pool.ComputeOutputShape(convShape).WithBatch(batch);
        var result = Tensor.Temp(outShape);
        for (int start = 0; start < batch; start += perChunk)
        {
            int count = Math.Min(perChunk, batch - start);
            using var scope = Tensor.Scope();
            var y = pool.Call(conv.Call(x.SliceRows(start, count)));
            y.Span.CopyTo(result.Span.Slice(start * (y.Size / count), y.Size));
        }
        return result;
    }
}
