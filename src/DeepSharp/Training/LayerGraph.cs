using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// The graph of layer calls behind a functional model (Keras's Functional): the calls in an order
/// where each runs after the calls it reads, the layers in first-call order, the model's inputs and
/// outputs. Built once from symbolic tensors; <see cref="Run"/> evaluates it on real tensors.
/// </summary>
internal sealed partial class LayerGraph
{
    private readonly LayerNode[] _nodes;
    private readonly List<Layer> _layers = [];
    private readonly string _modelName;

    public LayerGraph(string modelName, IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        _modelName = modelName;
        if (inputs.Count == 0 || outputs.Count == 0) throw new ArgumentException($"Model '{modelName}' needs at least one input and one output.");
        foreach (var i in inputs)
            if (i.Layer is not InputLayer) throw new ArgumentException($"Model inputs must come from Model.Input; '{i.Layer.Name}' is a {i.Layer.TypeName}.", nameof(inputs));
        Inputs = [.. inputs];
        Outputs = [.. outputs];
        _nodes = TopologicalNodes(outputs);
        var inputSet = new HashSet<SymbolicTensor>(inputs, ReferenceEqualityComparer.Instance);
        var layerSet = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var nodeSet = new HashSet<LayerNode>(_nodes, ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer && !inputSet.Contains(node.Output))
                throw new ArgumentException($"Graph disconnected: output depends on input '{node.Layer.Name}', which is not among the model's inputs.", nameof(inputs));
            if (layerSet.Add(node.Layer)) _layers.Add(node.Layer);
        }
        // Inputs that no output depends on still run first, in reverse order of listing (as each was put in front).
        var unused = inputs.Where(i => !nodeSet.Contains(i.Node)).Distinct<SymbolicTensor>(ReferenceEqualityComparer.Instance).Reverse().ToArray();
        if (unused.Length > 0)
        {
            _nodes = [.. unused.Select(i => i.Node), .. _nodes];
            _layers.InsertRange(0, unused.Select(i => i.Layer));
        }
        AssignNames();
    }

    public IReadOnlyList<SymbolicTensor> Inputs { get; }
    public IReadOnlyList<SymbolicTensor> Outputs { get; }

    /// <summary>Every layer, input layers included, in the order their first call runs.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The layer calls in an order where each runs after the calls it reads (input layers included).</summary>
    public IReadOnlyList<LayerNode> Nodes => _nodes;

    /// <summary>
    /// Runs the graph: one tensor per model input, in order; returns one per output. When
    /// <paramref name="outputMasks"/> is given (one entry per output), it receives each output's mask
    /// (null where the output has none). <paramref name="beforeCall"/>, when given, sees each call's
    /// layer and first input before the call runs (calibration of quantized layers).
    /// </summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs, bool training, Tensor?[]? outputMasks = null, Action<Layer, Tensor>? beforeCall = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Inputs.Count)
            throw new ArgumentException($"Model '{_modelName}' takes {Inputs.Count} inputs ({InputNames()}); got {inputs.Count}.", nameof(inputs));
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Rank == 0 || inputs[i].Shape.WithoutBatch() != Inputs[i].Shape)
                throw new ShapeMismatchException($"Model '{_modelName}' input '{Inputs[i].Layer.Name}' expects {Inputs[i].Shape.ToBatchString()}; got {inputs[i].Shape}." +
                    (inputs[i].Shape == Inputs[i].Shape ? $" The first axis is the batch: a single sample needs one, as shape {Inputs[i].Shape.WithBatch(1)}." : ""));
            values[Inputs[i]] = inputs[i];
        }
        // Masks travel beside the values; every call gets the mask of each of its inputs (Keras's
        // mask=[...]): a one-input call passes its own on, merge and attention layers combine or read
        // them, recurrent calls with initial states use the sequence's. A call with several outputs runs once.
        Dictionary<SymbolicTensor, Tensor>? masks = null;
        var args = new List<Tensor>();
        var inputMasks = new List<Tensor?>();
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer) continue;
            beforeCall?.Invoke(node.Layer, values[node.Inputs[0]]);
            if (node.Inputs.Count == 1 && node.Outputs.Count == 1 && ReferenceEquals(node.Arguments, CallArguments.None))
            {
                var (y, mask) = node.Layer.CallMasked(values[node.Inputs[0]], masks?.GetValueOrDefault(node.Inputs[0]), training);
                values[node.Output] = y;
                if (mask is not null) (masks ??= new(ReferenceEqualityComparer.Instance))[node.Output] = mask;
                continue;
            }
            args.Clear();
            inputMasks.Clear();
            foreach (var s in node.Inputs)
            {
                args.Add(values[s]);
                inputMasks.Add(masks?.GetValueOrDefault(s));
            }
            var (ys, outputMask) = node.Layer.CallNode(args, masks is null ? null : inputMasks, node.Arguments, training);
            if (ys.Count != node.Outputs.Count)
                throw new InvalidOperationException($"Layer '{node.Layer.Name}' ({node.Layer.TypeName}) returned {ys.Count} outputs; its call in model '{_modelName}' has {node.Outputs.Count}.");
            for (int k = 0; k < ys.Count; k++) values[node.Outputs[k]] = ys[k];
            if (outputMask is not null) (masks ??= new(ReferenceEqualityComparer.Instance))[node.Output] = outputMask;
        }
        var outputs = new Tensor[Outputs.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = values[Outputs[i]];
        if (outputMasks is not null)
            for (int i = 0; i < outputs.Length; i++) outputMasks[i] = masks?.GetValueOrDefault(Outputs[i]);
        return outputs;
    }

    /// <summary>
    /// Runs a one-input, one-output graph on the next positions, reusing <paramref name="cache"/>
    /// (see <see cref="Model.Step"/>): every call steps through <see cref="Stepping"/>.
    /// </summary>
    public Tensor Step(string modelName, Tensor inputs, KvCache cache)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{modelName}' has {Inputs.Count} inputs and {Outputs.Count} outputs; Step runs models with one of each.");
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance) { [Inputs[0]] = inputs };
        var stepped = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var args = new List<Tensor>();
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer) continue;
            if (CallRefusal(node, stepped, modelName) is { } refusal) throw new InvalidOperationException(refusal);
            args.Clear();
            foreach (var s in node.Inputs) args.Add(values[s]);
            values[node.Output] = Stepping.Step(node.Layer, args, node.Arguments, cache);
        }
        return values[Outputs[0]];
    }

    /// <summary>Whether <see cref="Step"/> can run this graph: one input, one output, and every call one a step can take.</summary>
    public bool CanStep()
    {
        if (Inputs.Count != 1 || Outputs.Count != 1) return false;
        var stepped = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer) continue;
            bool selfInput = node.Inputs.Count > 1 && ReferenceEquals(node.Inputs[0], node.Inputs[1]);
            if (CallRefusal(node, stepped, _modelName) is not null || Stepping.Refusal(node.Layer, node.Inputs.Count, node.Arguments, selfInput) is not null)
                return false;
        }
        return true;
    }

    /// <summary>Why a step cannot run this call as part of the graph (several outputs, or a cached layer called twice); null when it can.</summary>
    private static string? CallRefusal(LayerNode node, HashSet<Layer> stepped, string modelName)
    {
        if (node.Outputs.Count > 1)
            return $"Layer '{node.Layer.Name}' ({node.Layer.TypeName}) is called with {node.Outputs.Count} outputs in model '{modelName}'; Step runs calls with one output.";
        if ((node.Layer is IStepLayer or ProjectedAttention) && !stepped.Add(node.Layer))
            return $"Layer '{node.Layer.Name}' ({node.Layer.TypeName}) is called twice; its cache can follow one call.";
        return null;
    }

    /// <summary>The input layers' names, for messages: "a (None, 4), b (None, 3)".</summary>
    public string InputNames() => string.Join(", ", Inputs.Select(i => $"{i.Layer.Name} {i.Shape.ToBatchString()}"));

    /// <summary>Per layer, the shape of its first call's first output.</summary>
    public IReadOnlyList<Shape> LayerOutputShapes() => _layers.Select(l => l.Nodes[0].Output.Shape).ToArray();

    /// <summary>Per layer, the shapes of every output of its first call (one for most layers).</summary>
    public IReadOnlyList<IReadOnlyList<Shape>> LayerOutputShapeLists() =>
        _layers.Select(l => (IReadOnlyList<Shape>)l.Nodes[0].Outputs.Select(o => o.Shape).ToArray()).ToArray();

    /// <summary>Per layer, the tensors its calls take, Keras's way: "dense[0][0]" (empty for input layers).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Connections()
    {
        var calls = CallsByLayer();
        return _layers.Select(l => (IReadOnlyList<string>)calls[l].SelectMany(n => n.Inputs.Select(i => i.History)).ToArray()).ToArray();
    }

    /// <summary>Each layer's calls in this graph, by node index (one pass over the nodes, so that large graphs stay linear).</summary>
    private Dictionary<Layer, List<LayerNode>> CallsByLayer()
    {
        var calls = new Dictionary<Layer, List<LayerNode>>(ReferenceEqualityComparer.Instance);
        foreach (var layer in _layers) calls[layer] = [];
        foreach (var node in _nodes) calls[node.Layer].Add(node);
        foreach (var list in calls.Values)
            if (list.Count > 1) list.Sort((a, b) => a.Index.CompareTo(b.Index));
        return calls;
    }

    /// <summary>Nodes reachable from the outputs, each after the nodes it reads (depth-first post-order).</summary>
    private static LayerNode[] TopologicalNodes(IReadOnlyList<SymbolicTensor> outputs)
    {
        var order = new List<LayerNode>();
        var done = new HashSet<LayerNode>();
        var stack = new Stack<(LayerNode Node, int Next)>();
        foreach (var output in outputs)
        {
            if (done.Contains(output.Node)) continue;
            stack.Push((output.Node, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < node.Inputs.Count)
                {
                    stack.Push((node, next + 1));
                    var input = node.Inputs[next].Node;
                    if (!done.Contains(input)) stack.Push((input, 0));
                    continue;
                }
                if (done.Add(node)) order.Add(node);
            }
        }
        return [.. order];
    }

    private void AssignNames()
    {
        var taken = new HashSet<string>(_layers.Where(l => l.HasExplicitName).Select(l => l.Name));
        if (taken.Count != _layers.Count(l => l.HasExplicitName))
            throw new ArgumentException($"Model '{_modelName}' has two layers with the same name.");
        foreach (var layer in _layers)
        {
            if (layer.HasExplicitName) continue;
            string name = layer.DefaultNamePrefix;
            for (int i = 1; taken.Contains(name); i++) name = $"{layer.DefaultNamePrefix}_{i}";
            layer.Name = name;
            taken.Add(name);
        }
    }
}
