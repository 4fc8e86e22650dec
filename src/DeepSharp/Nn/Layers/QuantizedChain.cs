using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Inference through consecutive quantized layers with u8 activations between them: each
/// <see cref="QuantizedConv2D"/>, <see cref="QuantizedConv1D"/> or <see cref="QuantizedDense"/> but the last
/// requantizes its output straight to the next one's input grid, and the layers between them —
/// MaxPooling2D, MaxPooling1D, Flatten, Dropout, ReLU — run on the bytes (each is exact on bytes: quantization is monotonic
/// and maps 0.0 to the zero point). Only the chain's last layer writes floats. The result has the
/// same bits as running the layers one by one in float, because every layer quantizes the same
/// float values the same way; the bytes are just never widened back in between.
/// </summary>
internal static unsafe class QuantizedChain
{
    /// <summary>
    /// Runs the chain that starts at <paramref name="start"/> on <paramref name="x"/> and sets
    /// <paramref name="last"/> to its last layer; null when no chain of two or more quantized layers starts there.
    /// </summary>
    public static Tensor? TryRun(IReadOnlyList<Layer> layers, int start, Tensor x, out int last)
    {
        last = start;
        int end = ChainEnd(layers, start);
        if (end == start || x.Rank < 2) return null;
        // This thread's last plan fits only layers built for this input: the shape check is then done.
        var plan = QuantizedChainPlan.Reused(layers, start, end, x.Shape);
        if (plan is null && (layers[start].BuiltInputShape is not { } built || x.Shape.WithoutBatch() != built)) return null;
        for (int i = start; i <= end; i++)
            if (!layers[i].IsBuilt || layers[i].ActivityRegularizer is not null) return null;
        last = end;
        return Run(layers, start, end, x, plan ?? QuantizedChainPlan.For(layers, start, end, x.Shape));
    }

    /// <summary>The last quantized layer reachable from <paramref name="start"/> through byte-exact layers.</summary>
    internal static int ChainEnd(IReadOnlyList<Layer> layers, int start)
    {
        if (!IsQuantized(layers[start])) return start;
        int end = start;
        for (int j = start + 1; j < layers.Count && WritesBytes(layers[end]); j++)
        {
            if (IsQuantized(layers[j])) end = j;
            else if (!IsByteExact(layers[j])) break;
        }
        return end;
    }

    private static bool IsQuantized(Layer layer) => layer is IQuantizedLayer;

    /// <summary>A quantized layer whose activation the u8 epilogue can fuse (ReLU or none).</summary>
    private static bool WritesBytes(Layer layer) =>
        ActivationOf(layer) is { } a && (a == Activation.Relu || a == Activation.Linear);

    private static Activation? ActivationOf(Layer layer) => (layer as IQuantizedLayer)?.Activation;

    private static bool IsByteExact(Layer layer) => layer switch
    {
        MaxPooling2D or MaxPooling1D or Flatten or Dropout => true,
        Relu r => r.MaxValue is null && r.NegativeSlope == 0f && r.Threshold == 0f,
        ActivationLayer a => a.Activation == Activation.Relu,
        _ => false,
    };

    /// <summary>
    /// The most images for which the chain runs as one <see cref="Int8Team"/> (the threads started
    /// once, a barrier between layers, each image's convolutions cut into parts) instead of layer by
    /// layer over the pool: small batches, where a layer's fork and join cost as much as its work.
    /// </summary>
    internal const int TeamBatch = 16;

    private static Tensor Run(IReadOnlyList<Layer> layers, int start, int end, Tensor x, QuantizedChainPlan plan)
    {
        int batch = x.Shape[0];
        int threads = WorkerPool.Shared.ThreadCount;
        var shapes = plan.Shapes;
        if (threads > 1 && batch <= TeamBatch && TeamPays(layers, start, end, shapes)) return RunTeam(layers, start, end, x, plan, threads);
        var shape = x.Shape;
        var (inScale, inZero) = InputGrid(layers[start]);
        // Two buffers in turn: each layer reads one slot and writes the other (grown as needed).
        int currentSlot = Int8Scratch.ChainA, otherSlot = Int8Scratch.ChainB;
        byte* current = Int8Scratch.Bytes(currentSlot, shape.Size + (long)Int8Gemm.Slack);
        int zeroPoint = inZero;
        fixed (float* px = x.Span) Int8Quantize.ToUInt8(px, shape.Size, inScale, inZero, current);
        for (int i = start; i <= end; i++)
        {
            var layer = layers[i];
            var outShape = shapes[i - start + 1];
            if (layer is Flatten || layer is Dropout)
            {
                shape = outShape;
                continue;
            }
            if (layer is Relu or ActivationLayer)
            {
                Int8Relu.Forward(current, shape.Size, (byte)zeroPoint);
                continue;
            }
            byte* other;
            if (layer is MaxPooling2D pool)
            {
                other = Int8Scratch.Bytes(otherSlot, outShape.Size + (long)Int8Gemm.Slack);
                Int8MaxPool.Forward(PoolGeometry(pool, shape), current, other);
            }
            else if (layer is MaxPooling1D pool1)
            {
                other = Int8Scratch.Bytes(otherSlot, outShape.Size + (long)Int8Gemm.Slack);
                Int8MaxPool.Forward(Pool2DGeometry.Create(shape[0], 1, shape[1], shape[2], 1, pool1.PoolSize, 1, pool1.Strides, pool1.Padding == Padding.Same), current, other);
            }
            else if (i == end)
            {
                var y = Tensor.Temp(outShape);
                fixed (float* py = y.Span) Multiply(layer, shape, current, Int8Destination.ToFloats(py));
                var activation = ActivationOf(layer)!;
                return activation == Activation.Relu || activation == Activation.Linear ? y : activation.Apply(y);
            }
            else if (layer is QuantizedConv2D conv && layers[i + 1] is MaxPooling2D next && FusesPool(conv, next, shape, outShape, batch))
            {
                // Convolution and pool image by image, the convolution's bytes pooled while in cache
                // (at batch 1 too where its windows are read in place: one image on one thread anyway).
                (var nextScale, zeroPoint) = InputGrid(NextQuantized(layers, i + 1));
                var (g, w, output) = Prepare(conv, shape);
                var pooling = PoolGeometry(next, outShape);
                outShape = shapes[i + 1 - start + 1];
                other = Int8Scratch.Bytes(otherSlot, outShape.Size + (long)Int8Gemm.Slack);
                Int8ConvPool.Forward(g, pooling, current, w, output, nextScale, zeroPoint, other);
                i++;
            }
            else
            {
                (var nextScale, zeroPoint) = InputGrid(NextQuantized(layers, i + 1));
                other = Int8Scratch.Bytes(otherSlot, outShape.Size + (long)Int8Gemm.Slack);
                Multiply(layer, shape, current, Int8Destination.ToBytes(other, nextScale, zeroPoint));
            }
            current = other;
            (currentSlot, otherSlot) = (otherSlot, currentSlot);
            shape = outShape;
        }
        throw new InvalidOperationException($"The quantized chain from layer '{layers[start].Name}' to '{layers[end].Name}' did not end on a quantized layer.");
    }

    /// <summary>
    /// The chain as stages of one <see cref="Int8Team"/>: every layer's work recorded first (both
    /// byte buffers grown beforehand, so that no pointer moves), then run by the threads together.
    /// The same kernels on the same bytes as <see cref="Run"/>'s layer-by-layer path, so the same bits.
    /// </summary>
    private static Tensor RunTeam(IReadOnlyList<Layer> layers, int start, int end, Tensor x, QuantizedChainPlan plan, int threads)
    {
        int batch = x.Shape[0];
        var shapes = plan.Shapes;
        long largest = plan.Largest;
        byte* current = Int8Scratch.Bytes(Int8Scratch.ChainA, largest + Int8Gemm.Slack);
        byte* other = Int8Scratch.Bytes(Int8Scratch.ChainB, largest + Int8Gemm.Slack);
        var y = Tensor.Temp(shapes[^1]);
        var team = Int8Team.Begin(threads);
        var (inScale, zeroPoint) = InputGrid(layers[start]);
        int inZero = zeroPoint;
        // A first convolution + pool quantizes its own images (each part its image): no quantizing stage, one hand-off fewer.
        bool quantizedByConv = layers[start] is QuantizedConv2D && start < end && layers[start + 1] is MaxPooling2D;
        fixed (float* px = x.Span)
        fixed (float* py = y.Span)
        {
            if (!quantizedByConv) team.Add(batch, new Quantizing(px, (int)(x.Shape.Size / Math.Max(1, batch)), inScale, zeroPoint, current));
            for (int i = start; i <= end; i++)
            {
                var layer = layers[i];
                Shape shape = shapes[i - start], outShape = shapes[i - start + 1];
                if (layer is Flatten || layer is Dropout) continue;
                if (layer is Relu or ActivationLayer)
                {
                    team.Add(batch, new Rectifying(current, (int)(shape.Size / Math.Max(1, batch)), (byte)zeroPoint));
                    continue;
                }
                if (layer is MaxPooling2D pool)
                    Int8MaxPool.Forward(PoolGeometry(pool, shape), current, other, team);
                else if (layer is MaxPooling1D pool1)
                    Int8MaxPool.Forward(Pool2DGeometry.Create(shape[0], 1, shape[1], shape[2], 1, pool1.PoolSize, 1, pool1.Strides, pool1.Padding == Padding.Same), current, other, team);
                else if (i == end)
                    team.Add(1, new Multiplying(layer, shape, current, Int8Destination.ToFloats(py)));
                else
                {
                    (var nextScale, zeroPoint) = InputGrid(NextQuantized(layers, i + 1));
                    var destination = Int8Destination.ToBytes(other, nextScale, zeroPoint);
                    if (layer is QuantizedConv2D conv && layers[i + 1] is MaxPooling2D next)
                    {
                        var (g, w, output) = Prepare(conv, shape);
                        var pooling = PoolGeometry(next, outShape);
                        // An image cut into one part per thread unless the images share out evenly.
                        int parts = batch % threads == 0 ? 1 : threads;
                        if (i == start && quantizedByConv)
                            Int8ConvPool.Forward(g, pooling, px, inScale, inZero, w, output, nextScale, zeroPoint, other, parts, team);
                        else
                            Int8ConvPool.Forward(g, pooling, current, w, output, nextScale, zeroPoint, other, parts, team);
                        i++;
                    }
                    else if (layer is QuantizedConv2D conv2)
                    {
                        var (g, w, output) = Prepare(conv2, shape);
                        Int8Conv2D.Forward(g, current, w, output, destination, team);
                    }
                    else if (layer is QuantizedDense dense && ColumnShares(dense, shape, threads) is { } shares)
                        team.Add(batch * shares.Parts, shares.Body(current, destination)); // each row × each thread's columns
                    else team.Add(1, new Multiplying(layer, shape, current, destination));
                }
                byte* written = other;
                other = current;
                current = written;
            }
            team.Run();
        }
        var activation = ActivationOf(layers[end])!;
        return activation == Activation.Relu || activation == Activation.Linear ? y : activation.Apply(y);
    }

    /// <summary>A Dense's columns cut into one share per thread (at most one per 16-channel tile); null when it has one tile.</summary>
    private static Int8ColumnShares? ColumnShares(QuantizedDense dense, Shape shape, int threads)
    {
        int features = shape[-1];
        if (Int8ColumnShares.PartsFor(dense.Units, threads) < 2) return null;
        var (w, output) = dense.Weights.Prepared(features, dense.Units, dense.Activation == Activation.Relu);
        return Int8ColumnShares.Of(w, output, Int8ColumnShares.PartsFor(dense.Units, threads));
    }

    /// <summary>
    /// The fewest multiply-adds the team's shared layers (convolutions, cut into parts) must hold for
    /// a second thread to pay: about 2 µs of one thread's work. Measured on the shared Zen 5 with the
    /// process at real-time priority (bench/compression/small-batch-int8.cs): the convnet at batch 1
    /// (2.4 M in its convolutions) 8.7 → 7.1 µs per image; the seed CNN at batch 1 (0.2 M, its Dense
    /// 0.7 M then run whole) 7.5 µs either way, at twice the CPU time. With a Dense cut by columns
    /// (<see cref="Int8ColumnShares"/>) the seed shares 0.9 M: 2¹⁹ lets it take the team.
    /// </summary>
    /// <remarks>Settable for tests (0: every small batch runs as a team); either path gives the same bits.</remarks>
    internal static long TeamWork { get; set; } = 1L << 19;

    /// <summary>Whether a convolution and its pool run as one (<see cref="Int8ConvPool"/>): batches of two or more, or one image whose convolution reads its windows in place.</summary>
    private static bool FusesPool(QuantizedConv2D conv, MaxPooling2D pool, Shape shape, Shape outShape, int batch)
    {
        if (batch >= 2) return true;
        var (g, w, _) = Prepare(conv, shape);
        return Int8ConvPool.Splits(g, PoolGeometry(pool, outShape), w);
    }

    /// <summary>
    /// Whether the team pays for the chain with these <paramref name="shapes"/> (before and after each
    /// layer, <see cref="QuantizedChainPlan.Shapes"/>): <see cref="TeamWork"/>, and the shared
    /// convolutions at least twice the work of the layers that run whole.
    /// </summary>
    private static bool TeamPays(IReadOnlyList<Layer> layers, int start, int end, Shape[] shapes)
    {
        int batch = shapes[0][0];
        long shared = 0, whole = 0;
        for (int i = start; i <= end; i++)
        {
            Shape before = shapes[i - start], after = shapes[i - start + 1];
            // A convolution is shared when its images are (batch ≥ threads) or when each image is cut (a pool follows).
            if (layers[i] is QuantizedConv2D conv && (batch >= WorkerPool.Shared.ThreadCount || (i < end && layers[i + 1] is MaxPooling2D)))
                shared += after.Size * (long)conv.KernelSize.H * conv.KernelSize.W * before[-1];
            else if (layers[i] is QuantizedConv2D whole2D)
                whole += after.Size * (long)whole2D.KernelSize.H * whole2D.KernelSize.W * before[-1];
            else if (layers[i] is QuantizedDense cut && i < end && Int8ColumnShares.PartsFor(cut.Units, WorkerPool.Shared.ThreadCount) >= 2)
                shared += after.Size * (long)before[-1]; // cut by columns (ColumnShares)
            else if (layers[i] is QuantizedDense or QuantizedConv1D)
                whole += after.Size * (long)before[-1] * (layers[i] is QuantizedConv1D c1 ? c1.KernelSize : 1);
        }
        return shared >= TeamWork && shared >= 2 * whole;
    }

    /// <summary>Input floats to u8, one image per item.</summary>
    private sealed class Quantizing(float* x, int perImage, float scale, int zeroPoint, byte* q) : IParallelBody
    {
        public void Execute(int index) => Int8Quantize.ToUInt8(x + (long)index * perImage, perImage, scale, zeroPoint, q + (long)index * perImage);
    }

    /// <summary>ReLU on bytes in place, one image per item.</summary>
    private sealed class Rectifying(byte* q, int perImage, byte zeroPoint) : IParallelBody
    {
        public void Execute(int index) => Int8Relu.Forward(q + (long)index * perImage, perImage, zeroPoint);
    }

    /// <summary>One layer too small to share (a Dense, the last layer): a single item, <see cref="Multiply"/>.</summary>
    private sealed class Multiplying(Layer layer, Shape shape, byte* q, Int8Destination y) : IParallelBody
    {
        public void Execute(int index) => Multiply(layer, shape, q, y);
    }

    internal static Pool2DGeometry PoolGeometry(MaxPooling2D pool, Shape shape) =>
        Pool2DGeometry.Create(shape[0], shape[1], shape[2], shape[3], pool.PoolSize.H, pool.PoolSize.W,
            pool.Strides.H, pool.Strides.W, pool.Padding == Padding.Same);

    internal static (Conv2DGeometry, Int8Weights, Int8Output) Prepare(QuantizedConv2D c, Shape shape)
    {
        var g = Conv2DGeometry.Create(shape[0], shape[1], shape[2], shape[3], c.Filters, c.KernelSize.H, c.KernelSize.W,
            c.Strides.H, c.Strides.W, c.Padding == Padding.Same, c.DilationRate.H, c.DilationRate.W);
        var (w, output) = c.Weights.Prepared(c.KernelSize.H * c.KernelSize.W * shape[3], c.Filters, c.Activation == Activation.Relu);
        return (g, w, output);
    }

    /// <summary>One int8 layer on u8 input <paramref name="q"/> of <paramref name="shape"/> (batch included), written to <paramref name="y"/>.</summary>
    internal static void Multiply(Layer layer, Shape shape, byte* q, Int8Destination y)
    {
        if (layer is QuantizedConv2D c)
        {
            var (g, w, output) = Prepare(c, shape);
            Int8Conv2D.Forward(g, q, w, output, y);
        }
        else if (layer is QuantizedConv1D c1)
        {
            var (w, output) = c1.Weights.Prepared(c1.KernelSize * shape[2], c1.Filters, c1.Activation == Activation.Relu);
            Int8Conv2D.Forward(c1.Geometry(shape), q, w, output, y);
        }
        else
        {
            var d = (QuantizedDense)layer;
            int features = shape[-1];
            var (w, output) = d.Weights.Prepared(features, d.Units, d.Activation == Activation.Relu);
            Int8Linear.Forward(shape.Size / Math.Max(1, features), q, w, output, y);
        }
    }

    private static (float Scale, int ZeroPoint) InputGrid(Layer layer) => layer is IQuantizedLayer q
        ? (q.InputScale, q.InputZeroPoint)
        : throw new ArgumentException($"Layer '{layer.Name}' is not quantized.");

    private static Layer NextQuantized(IReadOnlyList<Layer> layers, int from)
    {
        for (int i = from; i < layers.Count; i++)
            if (IsQuantized(layers[i])) return layers[i];
        throw new ArgumentException("No quantized layer follows.");
    }
}
