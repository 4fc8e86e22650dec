using System.Buffers;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Inference through a functional graph that holds int8 layers, with u8 buffers between them (as
/// <see cref="QuantizedChain"/> does for a Sequential): a value passes from layer to layer as bytes
/// on a grid wherever every reader takes it so. An int8 Conv2D, Conv1D or Dense writes bytes on the
/// grid its readers quantize to when they all take the same one (int8 layers, a
/// <see cref="QuantizedAdd"/>'s input, or layers that are exact on bytes — MaxPooling, Flatten,
/// Dropout, plain ReLU — whose own readers do); a <see cref="QuantizedAdd"/> always writes its
/// sum as bytes on its output grid, which are its value (a reader on another grid gets them
/// through a 256-entry table, a float layer dequantized). A convolution that only a quantized Add
/// reads runs with the Add and the plain ReLU and max pool that alone follow it, image by image
/// (<see cref="Int8ConvAdd"/>; a max pool alone after a convolution is fused as in a chain). Every step is the one the layer-by-layer
/// float path takes, so <c>Predict</c> gives its bits.
/// </summary>
internal static unsafe class QuantizedGraph
{
    /// <summary>
    /// The outputs of the graph on <paramref name="inputs"/>; null when the graph holds no int8 layer,
    /// or a call the runner does not take (several outputs, keyword arguments), or a layer makes a
    /// mask, or the inputs do not fit — the caller then runs the graph as usual.
    /// </summary>
    public static Tensor[]? TryRun(IReadOnlyList<LayerNode> nodes, IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, IReadOnlyList<Tensor> values)
    {
        if (!Applies(nodes) || values.Count != inputs.Count) return null;
        for (int i = 0; i < inputs.Count; i++)
            if (values[i].Rank == 0 || values[i].Shape.WithoutBatch() != inputs[i].Shape || values[i].DType != DType.Float32) return null;
        var plan = new Plan(nodes, outputs);
        var run = new Run(plan);
        try
        {
            for (int i = 0; i < inputs.Count; i++) run.Values[inputs[i]] = Value.Of(values[i]);
            foreach (var node in nodes)
            {
                if (node.Layer is InputLayer || run.Values.ContainsKey(node.Output) || run.Fused.Contains(node.Output)) continue; // made or fused into a convolution
                run.Execute(node);
                if (run.Masked) return null; // a layer made a mask: the graph runs as usual, masks and all
            }
            var result = new Tensor[outputs.Count];
            for (int o = 0; o < result.Length; o++) result[o] = run.Float(run.Values[outputs[o]], outputs[o].Layer);
            return result;
        }
        finally
        {
            run.Release();
        }
    }

    /// <summary>The layers of a graph that run on bytes in <c>Predict</c> besides the int8 ones (for <c>Quantization.Describe</c>).</summary>
    public static IReadOnlySet<Layer> LayersOnBytes(IReadOnlyList<LayerNode> nodes, IReadOnlyList<SymbolicTensor> outputs)
    {
        var values = ValuesOnBytes(nodes, outputs);
        var layers = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        foreach (var node in nodes)
            if (values.Contains(node.Output) && node.Layer is not IQuantizedLayer and not QuantizedAdd and not QuantizedConcatenate) layers.Add(node.Layer);
        return layers;
    }

    /// <summary>The values <c>Predict</c> passes as bytes (the rest are floats).</summary>
    public static IReadOnlySet<SymbolicTensor> ValuesOnBytes(IReadOnlyList<LayerNode> nodes, IReadOnlyList<SymbolicTensor> outputs)
    {
        var bytes = new HashSet<SymbolicTensor>(ReferenceEqualityComparer.Instance);
        if (!Applies(nodes)) return bytes;
        var plan = new Plan(nodes, outputs);
        foreach (var node in nodes)
        {
            var layer = node.Layer;
            bool onBytes = layer switch
            {
                QuantizedAdd => node.Inputs.Count == 2,
                QuantizedConcatenate => true,
                IQuantizedLayer q => node.Inputs.Count == 1 && WritesBytes(q.Activation) && plan.Want(node.Output) is not null,
                _ => IsByteExact(layer) && node.Inputs.Count == 1 && bytes.Contains(node.Inputs[0]),
            };
            if (onBytes) bytes.Add(node.Output);
        }
        return bytes;
    }

    private static bool Applies(IReadOnlyList<LayerNode> nodes)
    {
        bool quantized = false;
        foreach (var node in nodes)
        {
            if (node.Outputs.Count != 1 || !ReferenceEquals(node.Arguments, CallArguments.None)) return false;
            quantized |= node.Layer is IQuantizedLayer or QuantizedAdd or QuantizedConcatenate;
        }
        return quantized;
    }

    private static bool WritesBytes(Activation activation) => activation == Activation.Relu || activation == Activation.Linear;

    /// <summary>Layers whose output, on bytes, is the bytes of their float output (quantization is monotonic and maps 0.0 to the zero point).</summary>
    private static bool IsByteExact(Layer layer) => layer switch
    {
        MaxPooling2D or MaxPooling1D or Flatten or Dropout => true,
        Relu r => r.MaxValue is null && r.NegativeSlope == 0f && r.Threshold == 0f,
        ActivationLayer a => a.Activation == Activation.Relu,
        _ => false,
    };

    private readonly record struct Grid(float Scale, int ZeroPoint)
    {
        public bool Same(Grid other) => BitConverter.SingleToInt32Bits(Scale) == BitConverter.SingleToInt32Bits(other.Scale) && ZeroPoint == other.ZeroPoint;
    }

    /// <summary>Who reads each value, and the grid each value's readers all take (if one).</summary>
    private sealed class Plan
    {
        private readonly Dictionary<SymbolicTensor, List<(LayerNode Node, int Slot)>> _readers = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<SymbolicTensor, Grid?> _wants = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<SymbolicTensor> _outputs;

        public Plan(IReadOnlyList<LayerNode> nodes, IReadOnlyList<SymbolicTensor> outputs)
        {
            _outputs = new HashSet<SymbolicTensor>(outputs, ReferenceEqualityComparer.Instance);
            foreach (var node in nodes)
                for (int slot = 0; slot < node.Inputs.Count; slot++)
                {
                    if (!_readers.TryGetValue(node.Inputs[slot], out var list)) _readers[node.Inputs[slot]] = list = [];
                    list.Add((node, slot));
                }
        }

        /// <summary>The one node that reads <paramref name="value"/>, when it is not also a model output; else null.</summary>
        public LayerNode? SoleReader(SymbolicTensor value) =>
            !_outputs.Contains(value) && _readers.TryGetValue(value, out var readers) && readers.Count == 1 ? readers[0].Node : null;

        /// <summary>The grid every reader of <paramref name="value"/> quantizes it to; null when a reader wants floats or two want different grids.</summary>
        public Grid? Want(SymbolicTensor value)
        {
            if (_wants.TryGetValue(value, out var known)) return known;
            Grid? grid = null;
            if (!_outputs.Contains(value) && _readers.TryGetValue(value, out var readers))
                foreach (var (node, slot) in readers)
                {
                    Grid? g = node.Layer switch
                    {
                        QuantizedAdd add when node.Inputs.Count == 2 => new Grid(add.InputScale(slot), add.InputZeroPoint(slot)),
                        QuantizedConcatenate join => new Grid(join.OutputScale, join.OutputZeroPoint),
                        IQuantizedLayer q when node.Inputs.Count == 1 => new Grid(q.InputScale, q.InputZeroPoint),
                        var layer when IsByteExact(layer) && node.Inputs.Count == 1 => Want(node.Output),
                        _ => null,
                    };
                    if (g is null || (grid is { } seen && !seen.Same(g.Value)))
                    {
                        grid = null;
                        break;
                    }
                    grid = g;
                }
            _wants[value] = grid;
            return grid;
        }
    }

    /// <summary>A value between layers: a float tensor, or bytes on a grid (<see cref="Exact"/>: the bytes are the value; else they are its quantization for readers on that grid).</summary>
    private sealed class Value
    {
        public Tensor? Float { get; private init; }
        public byte[]? Bytes { get; private init; }
        public Shape Shape { get; private init; }
        public Grid Grid { get; private init; }
        public bool Exact { get; private init; }

        public static Value Of(Tensor x) => new() { Float = x, Shape = x.Shape };
        public static Value Of(byte[] bytes, Shape shape, Grid grid, bool exact) => new() { Bytes = bytes, Shape = shape, Grid = grid, Exact = exact };
    }

    private sealed class Run(Plan plan)
    {
        private readonly List<byte[]> _rented = [];

        public Dictionary<SymbolicTensor, Value> Values { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Values a fused step made unneeded (read only inside it): their nodes do not run.</summary>
        public HashSet<SymbolicTensor> Fused { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Whether the last float layer made a mask, which the runner does not carry.</summary>
        public bool Masked { get; private set; }

        public void Execute(LayerNode node)
        {
            var layer = node.Layer;
            var input = Values[node.Inputs[0]];
            if (layer is QuantizedAdd add && node.Inputs.Count == 2)
            {
                var p = add.Prepared();
                var other = Values[node.Inputs[1]];
                var a = BytesOn(input, new Grid(add.InputScale(0), add.InputZeroPoint(0)), layer);
                var b = BytesOn(other, new Grid(add.InputScale(1), add.InputZeroPoint(1)), layer);
                if (input.Shape != other.Shape)
                    throw new ShapeMismatchException($"Layer '{layer.Name}' (QuantizedAdd) got {input.Shape} and {other.Shape}.");
                var sum = Rent(input.Shape.Size);
                fixed (byte* pa = a, pb = b, py = sum) Int8Add.Forward(pa, pb, input.Shape.Size, p, py);
                Values[node.Output] = Value.Of(sum, input.Shape, new Grid(add.OutputScale, add.OutputZeroPoint), exact: true);
                return;
            }
            if (layer is QuantizedConcatenate join)
            {
                var grid = new Grid(join.OutputScale, join.OutputZeroPoint);
                var parts = new byte[node.Inputs.Count][];
                var shapes = new Shape[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                {
                    var v = Values[node.Inputs[i]];
                    (parts[i], shapes[i]) = (BytesOn(v, grid, layer), v.Shape);
                }
                var outShape = join.ComputeOutputShape(shapes.Select(s => s.WithoutBatch()).ToArray()).WithBatch(input.Shape[0]);
                var joined = Rent(outShape.Size);
                join.JoinBytes(parts, shapes, joined);
                Values[node.Output] = Value.Of(joined, outShape, grid, exact: true);
                return;
            }
            if (layer is IQuantizedLayer q && node.Inputs.Count == 1)
            {
                var x = BytesOn(input, new Grid(q.InputScale, q.InputZeroPoint), layer);
                var shape = input.Shape;
                if (layer.BuiltInputShape != shape.WithoutBatch())
                    throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects {layer.BuiltInputShape?.ToBatchString()}; got {shape}.");
                var outShape = layer.ComputeOutputShape(shape.WithoutBatch()).WithBatch(shape[0]);
                fixed (byte* px = x)
                {
                    if (WritesBytes(q.Activation) && plan.Want(node.Output) is { } grid)
                    {
                        if (layer is QuantizedConv2D conv && plan.SoleReader(node.Output) is { Layer: MaxPooling2D pool } poolNode && poolNode.Inputs.Count == 1)
                        {
                            // The pool fused as in a Sequential chain (Int8ConvPool): the same bytes, the convolution's output pooled while in cache.
                            var (g, w, output) = QuantizedChain.Prepare(conv, shape);
                            var pooling = QuantizedChain.PoolGeometry(pool, outShape);
                            var pooledShape = pool.ComputeOutputShape(outShape.WithoutBatch()).WithBatch(shape[0]);
                            var pooled = Rent(pooledShape.Size);
                            fixed (byte* py = pooled) Int8ConvPool.Forward(g, pooling, px, w, output, grid.Scale, grid.ZeroPoint, py);
                            Values[poolNode.Output] = Value.Of(pooled, pooledShape, grid, exact: false);
                            return;
                        }
                        if (layer is QuantizedConv2D residual && TryConvAdd(node, residual, shape, px, grid)) return;
                        var y = Rent(outShape.Size);
                        fixed (byte* py = y) QuantizedChain.Multiply(layer, shape, px, Int8Destination.ToBytes(py, grid.Scale, grid.ZeroPoint));
                        Values[node.Output] = Value.Of(y, outShape, grid, exact: false);
                        return;
                    }
                    var f = Tensor.Temp(outShape);
                    fixed (float* pf = f.Span) QuantizedChain.Multiply(layer, shape, px, Int8Destination.ToFloats(pf));
                    Values[node.Output] = Value.Of(WritesBytes(q.Activation) ? f : q.Activation.Apply(f));
                }
                return;
            }
            if (input.Bytes is { } bytes && node.Inputs.Count == 1 && IsByteExact(layer))
            {
                Values[node.Output] = OnBytes(layer, input, bytes);
                return;
            }
            // Any other layer runs in float, called as the graph calls it.
            var args = new Tensor[node.Inputs.Count];
            for (int i = 0; i < args.Length; i++) args[i] = Float(Values[node.Inputs[i]], layer);
            var (ys, mask) = layer.CallNode(args, null, CallArguments.None, training: false);
            Masked = mask is not null;
            Values[node.Output] = Value.Of(ys[0]);
        }

        /// <summary>
        /// A convolution read only by a quantized Add whose other addend is made already: the Add, and
        /// a plain ReLU and a max pool that alone read what follows, run on each image of the
        /// convolution while it is in cache (<see cref="Int8ConvAdd"/>: the same bytes as the steps one by one).
        /// </summary>
        private bool TryConvAdd(LayerNode node, QuantizedConv2D conv, Shape shape, byte* px, Grid grid)
        {
            if (plan.SoleReader(node.Output) is not { Layer: QuantizedAdd add } addNode || addNode.Inputs.Count != 2) return false;
            int slot = ReferenceEquals(addNode.Inputs[0], node.Output) ? 0 : 1;
            var skipValue = addNode.Inputs[1 - slot];
            if (ReferenceEquals(skipValue, node.Output) || !Values.TryGetValue(skipValue, out var skip)) return false;
            var (g, w, output) = QuantizedChain.Prepare(conv, shape);
            var outShape = conv.ComputeOutputShape(shape.WithoutBatch()).WithBatch(shape[0]);
            if (skip.Shape != outShape) return false; // the Add's own step names the mismatch
            var sumGrid = new Grid(add.OutputScale, add.OutputZeroPoint);
            var last = addNode.Output;
            var fused = new List<SymbolicTensor> { node.Output };
            int reluZero = -1;
            if (plan.SoleReader(last) is { } reluNode && reluNode.Inputs.Count == 1 && reluNode.Layer is Relu or ActivationLayer && IsByteExact(reluNode.Layer))
            {
                fused.Add(last);
                (last, reluZero) = (reluNode.Output, add.OutputZeroPoint);
            }
            Pool2DGeometry? pool = null;
            var lastShape = outShape;
            if (plan.SoleReader(last) is { Layer: MaxPooling2D maxPool } poolNode && poolNode.Inputs.Count == 1)
            {
                fused.Add(last);
                pool = QuantizedChain.PoolGeometry(maxPool, outShape) with { Batch = 1 };
                (last, lastShape) = (poolNode.Output, maxPool.ComputeOutputShape(outShape.WithoutBatch()).WithBatch(shape[0]));
            }
            var skipBytes = BytesOn(skip, new Grid(add.InputScale(1 - slot), add.InputZeroPoint(1 - slot)), add);
            var tail = new Int8AddTail(add.Prepared(), slot == 0, reluZero, pool);
            var y = Rent(lastShape.Size);
            fixed (byte* ps = skipBytes, py = y) Int8ConvAdd.Forward(g, px, w, output, grid.Scale, grid.ZeroPoint, ps, tail, py);
            foreach (var value in fused) Fused.Add(value);
            Values[last] = Value.Of(y, lastShape, sumGrid, exact: true);
            return true;
        }

        /// <summary>A byte-exact layer on bytes: the output keeps the input's grid and exactness.</summary>
        private Value OnBytes(Layer layer, Value input, byte[] bytes)
        {
            var shape = input.Shape;
            var outShape = layer.ComputeOutputShape(shape.WithoutBatch()).WithBatch(shape[0]);
            if (layer is Flatten or Dropout) return Value.Of(bytes, outShape, input.Grid, input.Exact);
            var y = Rent(outShape.Size);
            fixed (byte* px = bytes, py = y)
            {
                if (layer is MaxPooling2D pool)
                    Int8MaxPool.Forward(Pool2DGeometry.Create(shape[0], shape[1], shape[2], shape[3], pool.PoolSize.H, pool.PoolSize.W,
                        pool.Strides.H, pool.Strides.W, pool.Padding == Padding.Same), px, py);
                else if (layer is MaxPooling1D pool1)
                    Int8MaxPool.Forward(Pool2DGeometry.Create(shape[0], 1, shape[1], shape[2], 1, pool1.PoolSize, 1, pool1.Strides, pool1.Padding == Padding.Same), px, py);
                else
                {
                    Buffer.MemoryCopy(px, py, y.Length, shape.Size);
                    Int8Relu.Forward(py, shape.Size, (byte)input.Grid.ZeroPoint);
                }
            }
            return Value.Of(y, outShape, input.Grid, input.Exact);
        }

        /// <summary>The value as bytes on <paramref name="grid"/>, exactly as the layer quantizing its float input would make them.</summary>
        private byte[] BytesOn(Value value, Grid grid, Layer reader)
        {
            if (value.Bytes is { } bytes)
            {
                if (value.Grid.Same(grid)) return bytes;
                if (!value.Exact)
                    throw new InvalidOperationException($"Layer '{reader.Name}': its input was requantized for another grid ({value.Grid} against {grid}).");
                // Each byte read as its float and quantized to the reader's grid: a 256-entry table.
                var table = stackalloc byte[256];
                for (int v = 0; v < 256; v++) table[v] = Int8Quantize.One((v - value.Grid.ZeroPoint) * value.Grid.Scale, grid.Scale, grid.ZeroPoint);
                var moved = Rent(value.Shape.Size);
                for (int i = 0; i < value.Shape.Size; i++) moved[i] = table[bytes[i]];
                return moved;
            }
            var x = value.Float!;
            var q = Rent(x.Size);
            fixed (float* px = x.Span)
            fixed (byte* pq = q)
                Int8Quantize.ToUInt8(px, x.Size, grid.Scale, grid.ZeroPoint, pq);
            return q;
        }

        /// <summary>The value as floats for a float layer (or the model's output).</summary>
        public Tensor Float(Value value, Layer reader)
        {
            if (value.Float is { } f) return f;
            if (!value.Exact)
                throw new InvalidOperationException($"Layer '{reader.Name}': its input was requantized for an int8 reader, not kept as floats.");
            var y = Tensor.Temp(value.Shape);
            fixed (byte* pq = value.Bytes)
            fixed (float* py = y.Span)
                Int8Add.Dequantize(pq, value.Shape.Size, value.Grid.Scale, value.Grid.ZeroPoint, py);
            return y;
        }

        /// <summary>A byte buffer with the int8 kernels' slack after its end, back to the pool when the run ends.</summary>
        private byte[] Rent(int length)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(length + Int8Gemm.Slack);
            _rented.Add(buffer);
            return buffer;
        }

        public void Release()
        {
            foreach (var buffer in _rented) ArrayPool<byte>.Shared.Return(buffer);
            _rented.Clear();
        }
    }
}
