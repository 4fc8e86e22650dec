using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A model defined by a graph of layer calls (Keras's functional Model): branches, residual
/// connections, shared layers, several inputs and outputs.
/// <code>
/// var x = Model.Input([32]);
/// var h = new Dense(32, Activation.Relu).Call(x);
/// var model = new Functional(x, new Dense(10).Call(new Add().Call(x, h)));
/// </code>
/// Fit/Evaluate/Predict work for one input and one output; <see cref="Call(IReadOnlyList{Tensor}, bool)"/>
/// runs any number of each.
/// </summary>
public sealed partial class Functional : Model
{
    private readonly LayerNode[] _nodes;
    private readonly List<Layer> _layers = [];

    public Functional(SymbolicTensor input, SymbolicTensor output, string? name = null) : this([input], [output], name) { }

    public Functional(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(name ?? "functional")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0) throw new ArgumentException("A functional model needs at least one input and one output.");
        foreach (var i in inputs)
            if (i.Layer is not InputLayer) throw new ArgumentException($"Model inputs must come from Model.Input; '{i.Layer.Name}' is a {i.Layer.TypeName}.", nameof(inputs));
        Inputs = [.. inputs];
        Outputs = [.. outputs];
        _nodes = TopologicalNodes(outputs);
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer && !inputs.Contains(node.Output))
                throw new ArgumentException($"Graph disconnected: output depends on input '{node.Layer.Name}', which is not among the model's inputs.", nameof(inputs));
            if (!_layers.Contains(node.Layer)) _layers.Add(node.Layer);
        }
        foreach (var input in inputs)
            if (!_nodes.Contains(input.Node)) { _nodes = [input.Node, .. _nodes]; _layers.Insert(0, input.Layer); }
        AssignNames();
    }

    public IReadOnlyList<SymbolicTensor> Inputs { get; }
    public IReadOnlyList<SymbolicTensor> Outputs { get; }

    /// <summary>Every layer, input layers included, in the order their first call runs.</summary>
    public override IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Layers are built when called on symbolic tensors; this only checks the input shape.</summary>
    public override void Build(Shape inputShape)
    {
        if (Inputs.Count != 1 || Inputs[0].Shape != inputShape)
            throw new ShapeMismatchException($"Model '{Name}' takes inputs {string.Join(", ", Inputs.Select(i => i.Shape.ToBatchString()))}; Build got {inputShape.ToBatchString()}.");
    }

    /// <summary>Runs a model with one input and one output.</summary>
    public override Tensor Call(Tensor x, bool training = false)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {Inputs.Count} inputs and {Outputs.Count} outputs: use Call(IReadOnlyList<Tensor>).");
        return Call([x], training)[0];
    }

    /// <summary>Runs the graph: one tensor per model input, in order; returns one per output.</summary>
    public IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Inputs.Count)
            throw new ArgumentException($"Model '{Name}' takes {Inputs.Count} inputs; got {inputs.Count}.", nameof(inputs));
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Rank == 0 || inputs[i].Shape.WithoutBatch() != Inputs[i].Shape)
                throw new ShapeMismatchException($"Model '{Name}' input '{Inputs[i].Layer.Name}' expects {Inputs[i].Shape.ToBatchString()}; got {inputs[i].Shape}.");
            values[Inputs[i]] = inputs[i];
        }
        var args = new List<Tensor>();
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer) continue;
            args.Clear();
            foreach (var s in node.Inputs) args.Add(values[s]);
            values[node.Output] = node.Layer.Call(args, node.Arguments, training);
        }
        var outputs = new Tensor[Outputs.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = values[Outputs[i]];
        return outputs;
    }

    /// <summary>The layer calls in an order where each runs after the calls it reads (input layers included).</summary>
    internal IReadOnlyList<LayerNode> GraphNodes => _nodes;

    internal override IReadOnlyList<Shape> LayerOutputShapes() => _layers.Select(l => l.Nodes[0].Output.Shape).ToArray();

    /// <summary>Per layer, the tensors its calls take, Keras's way: "dense[0][0]" (empty for input layers).</summary>
    internal IReadOnlyList<IReadOnlyList<string>> Connections() =>
        _layers.Select(l => (IReadOnlyList<string>)_nodes.Where(n => n.Layer == l).SelectMany(n => n.Inputs.Select(i => i.History)).ToArray()).ToArray();

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
            throw new ArgumentException($"Model '{Name}' has two layers with the same name.");
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
