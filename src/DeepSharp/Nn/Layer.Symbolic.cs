using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Several inputs and symbolic calls. Single-input layers take a list of one; merge layers
/// (<see cref="Layers.MergeLayer"/>) override the list overloads. Calling a layer on
/// <see cref="SymbolicTensor"/>s builds it and records the call for a functional model.
/// </summary>
public abstract partial class Layer
{
    private readonly List<LayerNode> _nodes = [];

    internal IReadOnlyList<LayerNode> Nodes => _nodes;

    /// <summary>Runs the layer on a list of inputs (merge layers take several; others exactly one).</summary>
    public virtual Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != 1)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes one input; got {inputs.Count}.", nameof(inputs));
        return Call(inputs[0], training);
    }

    /// <summary>The per-sample output shape for per-sample input shapes (one, except for merge layers).</summary>
    public virtual Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 1)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes one input; got {inputShapes.Count}.", nameof(inputShapes));
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <summary>Builds the layer for per-sample input shapes (one, except for merge layers).</summary>
    public virtual void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 1)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes one input; got {inputShapes.Count}.", nameof(inputShapes));
        Build(inputShapes[0]);
    }

    /// <summary>Applies the layer to a symbolic tensor: builds it and records the call (Keras's <c>layer(x)</c>).</summary>
    public SymbolicTensor Call(SymbolicTensor input) => Call(new[] { input });

    /// <summary>Applies the layer to several symbolic tensors (merge layers), recording the call.</summary>
    public SymbolicTensor Call(params SymbolicTensor[] inputs) => Call((IReadOnlyList<SymbolicTensor>)inputs);

    /// <summary>Applies the layer to symbolic tensors, recording the call.</summary>
    public SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException($"Layer '{Name}' needs at least one input.", nameof(inputs));
        var shapes = new Shape[inputs.Count];
        for (int i = 0; i < shapes.Length; i++) shapes[i] = inputs[i].Shape;
        Build(shapes);
        return RecordCall(inputs, CallArguments.None, ComputeOutputShape(shapes));
    }

    /// <summary>
    /// Runs a recorded call with keyword arguments (a functional graph's node). Layers without
    /// keyword arguments take only <see cref="CallArguments.None"/>, which means a plain call.
    /// </summary>
    internal virtual Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training)
    {
        if (!arguments.IsEmpty)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes no keyword arguments; got {arguments}.", nameof(arguments));
        return Call(inputs, training);
    }

    /// <summary>
    /// Applies the layer to symbolic tensors with keyword arguments (functional configs), recording
    /// the call; <see cref="CallArguments.None"/> is a plain call. Returns the call's first output
    /// (a call with several outputs records them all on its node).
    /// </summary>
    internal virtual SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        if (!arguments.IsEmpty)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes no keyword arguments; got {arguments}.", nameof(arguments));
        return Call(inputs);
    }

    /// <summary>Records a call whose layer has already been built and whose output shape is known (layers with keyword arguments).</summary>
    protected SymbolicTensor RecordCall(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments, Shape outputShape) =>
        RecordCall(inputs, arguments, [outputShape])[0];

    /// <summary>
    /// Records a call with one output per shape (a layer returning a list, as Keras's LSTM with
    /// return_state); the layer has been built and the shapes are known.
    /// </summary>
    internal IReadOnlyList<SymbolicTensor> RecordCall(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments, IReadOnlyList<Shape> outputShapes)
    {
        RequireFloatInputs(inputs, arguments);
        var node = new LayerNode(this, [.. inputs], _nodes.Count, arguments);
        var outputs = node.SetOutputs(outputShapes, OutputDType(inputs[0].DType));
        _nodes.Add(node);
        return outputs;
    }

    /// <summary>
    /// Runs one recorded call of a functional graph: <paramref name="masks"/> holds the mask of each
    /// input (null entries, or a null list: none), as Keras hands <c>mask=[...]</c> to a layer;
    /// returns one tensor per output of the node and the first output's mask. A plain call passes
    /// masks as <see cref="CallMasked(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool)"/> does;
    /// calls with keyword arguments drop them, except where a layer (recurrent and attention layers)
    /// overrides this.
    /// </summary>
    internal virtual (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallNode(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, CallArguments arguments, bool training)
    {
        if (ReferenceEquals(arguments, CallArguments.None))
        {
            var (y, outputMask) = CallMasked(inputs, masks, training);
            return ([y], outputMask);
        }
        return ([Call(inputs, arguments, training)], null);
    }

    /// <summary>Whether positional input <paramref name="index"/> may be int32 (Embedding's indices); float32 otherwise.</summary>
    internal virtual bool AcceptsInt32(int index) => false;

    /// <summary>
    /// Refuses an int32 tensor where the layer computes in float32 (a graph, e.g. from a file, whose
    /// int32 input feeds a Dense layer would otherwise fail only when run). Masks passed as keyword
    /// tensors (names ending in "mask") may be int32.
    /// </summary>
    private void RequireFloatInputs(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].DType != DType.Int32) continue;
            int keyword = ReferenceEquals(arguments, CallArguments.None) ? -1 : i - arguments.Positional;
            bool allowed = keyword >= 0 && keyword < arguments.TensorNames.Count
                ? arguments.TensorNames[keyword].EndsWith("mask", StringComparison.Ordinal)
                : AcceptsInt32(i);
            if (!allowed)
                throw new DeepSharpException($"Layer '{Name}' ({TypeName}) takes float32 inputs; input {i} ({inputs[i].History}) is int32.");
        }
    }

    /// <summary>The dtype of the output for an input dtype (float32 for most layers).</summary>
    internal virtual DType OutputDType(DType input) => DType.Float32;

    /// <summary>Records the call with no inputs that an <see cref="Layers.InputLayer"/> stands for.</summary>
    internal SymbolicTensor RecordSource(Shape shape, DType dtype)
    {
        var node = new LayerNode(this, [], _nodes.Count);
        node.SetOutputs([shape], dtype);
        _nodes.Add(node);
        return node.Output;
    }
}
