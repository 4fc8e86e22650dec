namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// What follows a convolution read only by a quantized Add (a residual block's tail): the Add's
/// constants, which input the convolution is, an optional ReLU on the sum's grid and an optional
/// max pool after it.
/// </summary>
/// <param name="Add">The Add's fixed-point constants (inputs A and B, output grid).</param>
/// <param name="ConvolutionIsA">Whether the convolution is the Add's input A (else B; the other addend is the skip).</param>
/// <param name="ReluZeroPoint">The zero point a ReLU on the sum clamps at, or −1 for none.</param>
/// <param name="Pool">The max pool after the sum (batch 1: one image's), or null for none.</param>
internal readonly record struct Int8AddTail(Int8AddParameters Add, bool ConvolutionIsA, int ReluZeroPoint, Pool2DGeometry? Pool);

/// <summary>
/// An int8 convolution whose output only a quantized Add reads, with the Add, an optional ReLU and
/// an optional max pool, image by image: each image's convolution is written as bytes on the Add's
/// input grid into the thread's scratch, added in place to the skip's bytes (<see cref="Int8Add"/>),
/// ReLU-ed and pooled while in cache, and only the pooled bytes (or the sums, without a pool) leave.
/// The layer-by-layer form makes three more passes over batch-sized buffers (Add, ReLU, pool), the
/// Add on one thread. The bytes are the same: the convolution runs the kernel <see cref="Int8Conv2D"/>
/// picks for its shape (exact integer sums, the same epilogue), then the same Add, ReLU and pool
/// kernels on the same bytes. Naive twin: <c>Reference.NaiveInt8.Conv2D</c>, quantize,
/// <c>NaiveInt8Add.Add</c>, <c>NaiveInt8.Relu</c>, <c>NaiveInt8.MaxPool2D</c>.
/// </summary>
internal static unsafe class Int8ConvAdd
{
    /// <summary>
    /// y = pool(relu(add(conv(x), skip))) over g.Batch images: x holds g.InputLength bytes on the
    /// convolution's input grid, skip g.OutputLength bytes on the Add's other input grid; the
    /// convolution's bytes are on (<paramref name="convScale"/>, <paramref name="convZero"/>), the Add's grid for it.
    /// y receives the pool's output (batch × its OutputLength) or, without a pool, g.OutputLength bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The weights, the pool or a grid do not match the convolution.</exception>
    public static void Forward(in Conv2DGeometry g, byte* x, Int8Weights w, Int8Output output, float convScale, int convZero, byte* skip, in Int8AddTail tail, byte* y)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        g.Validate();
        if (w.K != g.KernelH * g.KernelW * g.InC || w.N != g.OutC)
            throw new ArgumentException($"Int8 conv + add: weights ({w.K}, {w.N}) do not match kernel {g.KernelH}×{g.KernelW}×{g.InC}→{g.OutC}.");
        output.Check(w.N);
        _ = Int8Destination.ToBytes(null, convScale, convZero); // the grid's check
        if (tail.Pool is { } p)
        {
            p.Validate();
            if (p.Batch != 1 || p.InH != g.OutH || p.InW != g.OutW || p.Channels != g.OutC)
                throw new ArgumentException($"Int8 conv + add: the pool {p} does not read one image of the convolution's {g.OutH}×{g.OutW}×{g.OutC} output.");
        }
        if (tail.ReluZeroPoint is < -1 or > 255) throw new ArgumentException($"Int8 conv + add: ReLU zero point {tail.ReluZeroPoint} is outside [0, 255] (−1: none).");
        if (g.Batch == 0 || g.OutH * g.OutW * g.OutC == 0) return;
        var body = new Images(g with { Batch = 1 }, x, w, output, convScale, convZero, skip, tail, y);
        WorkerPool.Shared.For(g.Batch, body, (long)g.OutputLength * w.K / 4);
    }

    /// <summary>
    /// One image's convolution (<paramref name="one"/>: batch 1) by the kernel <see cref="Int8Conv2D"/> takes for the shape,
    /// written at pixel 0 of <paramref name="y"/>.
    /// </summary>
    internal static void ConvolveImage(in Conv2DGeometry one, byte* image, Int8Weights w, Int8Output output, Int8Destination y)
    {
        if (Int8Winograd.Applies(one, w)) Int8Winograd.Image(one, image, w, output, y, 0);
        else if (Int8ImplicitConv.Applies(one, w)) Int8ImplicitConv.Image(one, image, w, output, y, 0);
        else if (Int8Winograd4.Applies(one, w)) Int8Winograd4.Image(one, image, w, output, y, 0);
        else if (Int8PairConv.Applies(one, w)) Int8PairConv.Image(one, image, w, output, y, 0, 0, one.OutH);
        else
        {
            int pixels = one.OutH * one.OutW;
            for (int p0 = 0; p0 < pixels; p0 += Int8Gemm.RowBlock)
                Int8Conv2D.Block(one, image, w, output, y, p0, Math.Min(Int8Gemm.RowBlock, pixels - p0));
        }
    }

    /// <summary>The tail on one image's convolution bytes <paramref name="conv"/> (overwritten by the sums) and its skip bytes, into <paramref name="y"/>.</summary>
    internal static void Finish(byte* conv, byte* skip, long length, in Int8AddTail tail, byte* y)
    {
        byte* sum = tail.Pool is null ? y : conv;
        if (tail.ConvolutionIsA) Int8Add.Forward(conv, skip, length, tail.Add, sum);
        else Int8Add.Forward(skip, conv, length, tail.Add, sum);
        if (tail.ReluZeroPoint >= 0) Int8Relu.Forward(sum, length, (byte)tail.ReluZeroPoint);
        if (tail.Pool is { } pool)
            for (int oh = 0; oh < pool.OutH; oh++) Int8MaxPool.Row(pool, sum, y, oh);
    }

    private sealed class Images(Conv2DGeometry one, byte* x, Int8Weights w, Int8Output output, float convScale, int convZero, byte* skip, Int8AddTail tail, byte* y)
        : IParallelBody
    {
        public void Execute(int b)
        {
            long outLength = one.OutputLength;
            byte* conv = Int8Scratch.Bytes(Int8Scratch.ConvOutput, outLength + Int8Gemm.Slack);
            ConvolveImage(one, x + (long)b * one.InputLength, w, output, Int8Destination.ToBytes(conv, convScale, convZero));
            long yLength = tail.Pool is { } pool ? pool.OutputLength : outLength;
            Finish(conv, skip + b * outLength, outLength, tail, y + b * yLength);
        }
    }
}
