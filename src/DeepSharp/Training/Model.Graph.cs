using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    private readonly LayerGraph? _graph;

    /// <summary>
    /// A symbolic input of a functional model (Keras's <c>keras.Input</c>): per-sample
    /// <paramref name="shape"/>, batch axis excluded. Call layers on it, then pass inputs and
    /// outputs to <c>new Model(inputs, outputs)</c>.
    /// </summary>
    public static SymbolicTensor Input(int[] shape, string? name = null, DType dtype = DType.Float32) =>
        new InputLayer(shape, dtype, name).Output;

    /// <summary>
    /// A model from a graph of layer calls, as Keras's <c>keras.Model(inputs, outputs)</c>:
    /// branches, residual connections and shared layers, with one input and one output.
    /// <code>
    /// var x = Model.Input([32]);
    /// var h = new Dense(32, Activation.Relu).Call(x);
    /// var model = new Model(x, new Dense(10).Call(new Add().Call(x, h)));
    /// </code>
    /// </summary>
    /// <param name="input">A tensor from <see cref="Input"/>.</param>
    /// <param name="output">A tensor computed from <paramref name="input"/> by calling layers.</param>
    /// <param name="name">The model's name (default "functional").</param>
    /// <exception cref="ArgumentException">The input is not from <see cref="Input"/>, or the output does not depend on it alone.</exception>
    public Model(SymbolicTensor input, SymbolicTensor output, string? name = null) : this([input], [output], name) { }

    /// <summary>
    /// A model with one input and several outputs, as Keras's <c>keras.Model(x, [out1, out2])</c>;
    /// the same as <c>new Model([input], outputs)</c>.
    /// </summary>
    /// <param name="input">A tensor from <see cref="Input"/>.</param>
    /// <param name="outputs">Tensors computed from <paramref name="input"/>.</param>
    /// <param name="name">The model's name (default "functional").</param>
    /// <exception cref="ArgumentException">The input is not from <see cref="Input"/>, or an output does not depend on it alone.</exception>
    public Model(SymbolicTensor input, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : this([input], outputs, name) { }

    /// <summary>
    /// A model with several inputs and one output, as Keras's <c>keras.Model([a, b], out)</c>;
    /// the same as <c>new Model(inputs, [output])</c>.
    /// </summary>
    /// <param name="inputs">Tensors from <see cref="Input"/>.</param>
    /// <param name="output">A tensor computed from the inputs.</param>
    /// <param name="name">The model's name (default "functional").</param>
    /// <exception cref="ArgumentException">An input is not from <see cref="Input"/>, or the output depends on an input not listed.</exception>
    public Model(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor output, string? name = null) : this(inputs, [output], name) { }

    /// <summary>
    /// A model with several inputs and outputs (Keras: <c>keras.Model([a, b], [out1, out2])</c>).
    /// Fit, Evaluate and Predict then take one tensor per input and per output, in this order
    /// (see the Tensor[] overloads); the outputs' layer names prefix their logs ("out1_loss").
    /// </summary>
    /// <param name="inputs">Tensors from <see cref="Input"/>; each must be one the outputs depend on or be listed anyway.</param>
    /// <param name="outputs">Tensors computed from the inputs.</param>
    /// <param name="name">The model's name (default "functional").</param>
    /// <exception cref="ArgumentException">An input is not from <see cref="Input"/>, the outputs depend on an input not listed, or two layers share a name.</exception>
    public Model(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null)
    {
        Name = name ?? "functional";
        _graph = new LayerGraph(Name, inputs, outputs);
    }

    /// <summary>The symbolic inputs the model was built from (graph models only).</summary>
    /// <exception cref="InvalidOperationException">The model is a <see cref="Sequential"/>.</exception>
    public IReadOnlyList<SymbolicTensor> Inputs => Graph().Inputs;

    /// <summary>The symbolic outputs the model was built from (graph models only).</summary>
    /// <exception cref="InvalidOperationException">The model is a <see cref="Sequential"/>.</exception>
    public IReadOnlyList<SymbolicTensor> Outputs => Graph().Outputs;

    /// <summary>Number of input tensors a call takes (1 for a Sequential).</summary>
    public int InputCount => _graph?.Inputs.Count ?? 1;

    /// <summary>Number of output tensors a call returns (1 for a Sequential).</summary>
    public int OutputCount => _graph?.Outputs.Count ?? 1;

    /// <summary>
    /// Runs the model on one tensor per input, in order; returns one per output. A Sequential
    /// takes and returns one.
    /// </summary>
    /// <exception cref="ArgumentException">The number of tensors differs from <see cref="InputCount"/>.</exception>
    public IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_graph is not null) return _graph.Run(inputs, training);
        if (inputs.Count != 1) throw new ArgumentException($"Model '{Name}' takes one input; got {inputs.Count}.", nameof(inputs));
        return [Call(inputs[0], training)];
    }

    /// <summary>
    /// <see cref="Call(IReadOnlyList{Tensor}, bool)"/> that also returns each output's mask (null
    /// entries for outputs without one), for the losses and metrics of Fit and Evaluate.
    /// </summary>
    internal IReadOnlyList<Tensor> CallWithMasks(IReadOnlyList<Tensor> inputs, bool training, out Tensor?[] masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_graph is not null)
        {
            masks = new Tensor?[_graph.Outputs.Count];
            return _graph.Run(inputs, training, masks);
        }
        if (inputs.Count != 1) throw new ArgumentException($"Model '{Name}' takes one input; got {inputs.Count}.", nameof(inputs));
        var (y, mask) = CallWithMask(inputs[0], training);
        masks = [mask];
        return [y];
    }

    /// <summary>
    /// The architecture as Keras's config object: for a graph model the functional config (layers
    /// with their inbound nodes, input_layers, output_layers), which <see cref="Functional.FromConfig"/>
    /// rebuilds; a Sequential gives its name, layers and build_input_shape.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is a subclassed model, whose architecture is its code.</exception>
    public virtual JsonObject GetConfig() => _graph?.GetConfig() ?? throw SubclassedArchitecture("has no config");

    /// <summary>The graph of a graph model; null for a Sequential.</summary>
    internal LayerGraph? LayerGraph => _graph;

    private LayerGraph Graph() => _graph ?? throw new InvalidOperationException(
        $"Model '{Name}' is a {GetType().Name}, not a graph model: it has no symbolic inputs, outputs or graph config.");
}
