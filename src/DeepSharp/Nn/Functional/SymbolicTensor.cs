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
    internal SymbolicTensor(Shape shape, DType dtype, LayerNode node, int tensorIndex = 0)
    {
        Shape = shape;
        DType = dtype;
        Node = node;
        TensorIndex = tensorIndex;
    }

    /// <summary>The per-sample shape (batch axis excluded).</summary>
    public Shape Shape { get; }

    /// <summary>The element type: float32, or int32 for integer inputs such as token ids.</summary>
    public DType DType { get; }

    /// <summary>The layer that produces this tensor.</summary>
    public Layer Layer => Node.Layer;

    /// <summary>
    /// Which output of its layer call this is (Keras's tensor index): 0 for calls with one output;
    /// for <c>CallWithState</c> 0 is the output and 1, 2, ... the states.
    /// </summary>
    public int TensorIndex { get; }

    internal LayerNode Node { get; }

    /// <summary>Keras's history triple: (layer name, node index, tensor index), e.g. "lstm[0][1]".</summary>
    public string History => $"{Layer.Name}[{Node.Index}][{TensorIndex}]";

    /// <summary>The batch shape and producing layer, as Keras prints a KerasTensor: <c>&lt;SymbolicTensor shape=(None, 10), name=dense&gt;</c>.</summary>
    public override string ToString() =>
        $"<SymbolicTensor shape={Shape.ToBatchString()}, name={Layer.Name}{(Node.Outputs.Count > 1 ? $", output {TensorIndex}" : "")}>";
}

/// <summary>
/// One call of a layer in a functional graph (Keras's Node): its inputs and its outputs — one for
/// most calls, several for a recurrent layer returning its states or attention returning its scores.
/// </summary>
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

    /// <summary>The call's outputs in order; each knows its <see cref="SymbolicTensor.TensorIndex"/>.</summary>
    public IReadOnlyList<SymbolicTensor> Outputs { get; private set; } = [];

    /// <summary>The first output (for most calls the only one).</summary>
    public SymbolicTensor Output => Outputs[0];

    /// <summary>Creates the output tensors, one per shape, all of <paramref name="dtype"/>.</summary>
    public IReadOnlyList<SymbolicTensor> SetOutputs(IReadOnlyList<Shape> shapes, DType dtype)
    {
        if (shapes.Count == 0) throw new ArgumentException($"Layer '{Layer.Name}' ({Layer.TypeName}): a call needs at least one output.", nameof(shapes));
        var outputs = new SymbolicTensor[shapes.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = new SymbolicTensor(shapes[i], dtype, this, i);
        Outputs = outputs;
        return outputs;
    }
}
