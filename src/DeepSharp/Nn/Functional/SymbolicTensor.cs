using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// A placeholder for a batch of values in a functional model (Keras's KerasTensor): the
/// per-sample shape (the batch axis is unknown) and the layer call that produces it. Made by
/// <c>Model.Input</c> and by calling a layer on symbolic tensors; <c>new Model(inputs, outputs)</c>
/// turns the recorded graph into a model.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(Shape shape, DType dtype, LayerNode node)
    {
        Shape = shape;
        DType = dtype;
        Node = node;
    }

    /// <summary>The per-sample shape (batch axis excluded).</summary>
    public Shape Shape { get; }

    public DType DType { get; }

    /// <summary>The layer that produces this tensor.</summary>
    public Layer Layer => Node.Layer;

    internal LayerNode Node { get; }

    /// <summary>Keras's history triple: (layer name, node index, tensor index).</summary>
    public string History => $"{Layer.Name}[{Node.Index}][0]";

    public override string ToString() => $"<SymbolicTensor shape={Shape.ToBatchString()}, name={Layer.Name}>";
}

/// <summary>One call of a layer in a functional graph (Keras's Node): its inputs and its output.</summary>
internal sealed class LayerNode
{
    public LayerNode(Layer layer, IReadOnlyList<SymbolicTensor> inputs, int index, CallArguments? arguments = null)
    {
        Layer = layer;
        Inputs = inputs;
        Index = index;
        Arguments = arguments ?? CallArguments.None;
    }

    public Layer Layer { get; }
    public IReadOnlyList<SymbolicTensor> Inputs { get; }

    /// <summary>Which inputs were passed by keyword, and the call's options (Keras's kwargs).</summary>
    public CallArguments Arguments { get; }

    /// <summary>The position of this call among the layer's calls (Keras's node index).</summary>
    public int Index { get; }

    public SymbolicTensor Output { get; internal set; } = null!;
}
