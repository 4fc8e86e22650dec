using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

internal sealed partial class LayerGraph
{
    /// <summary>Runs the graph for one decoding step (see <see cref="Model.Step"/>): one input, one output.</summary>
    public Tensor Step(Tensor input, KvCache cache)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{_modelName}' has {Inputs.Count} inputs and {Outputs.Count} outputs; Step runs models with one of each.");
        var values = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance) { [Inputs[0]] = input };
        var stepped = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        var args = new List<Tensor>();
        foreach (var node in _nodes)
        {
            if (node.Layer is InputLayer) continue;
            if ((node.Layer is IStepLayer or MultiHeadAttention) && !stepped.Add(node.Layer))
                throw new InvalidOperationException($"Layer '{node.Layer.Name}' ({node.Layer.TypeName}) is called twice; its cache can follow one call.");
            args.Clear();
            foreach (var s in node.Inputs) args.Add(values[s]);
            values[node.Output] = Stepping.Step(node.Layer, args, node.Arguments, cache);
        }
        return values[Outputs[0]];
    }
}
