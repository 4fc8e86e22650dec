using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A trainable network with Keras's workflow: <c>Compile</c> (Model.Compile.cs), then Fit
/// (Model.Fit.cs), Evaluate and Predict (Model.Evaluate.cs, Model.Predict.cs, dictionaries in
/// Model.Named.cs), and <see cref="Summary"/>. The model describes the network; Compile gives it a
/// <see cref="Training.Trainer"/>, which runs the training and evaluation loops. As in Keras,
/// <c>new Model(inputs, outputs)</c> makes a model from a graph of layer calls (Model.Graph.cs);
/// <see cref="Sequential"/> is the plain stack of layers. A class of your own derived from Model
/// (Keras's subclassed model, PyTorch's nn.Module) creates its layers in its constructor with
/// <see cref="Track"/> and overrides <see cref="Call(Tensor, bool)"/> (Model.Subclassing.cs).
/// </summary>
public partial class Model
{
    /// <summary>
    /// For a subclassed model (and <see cref="Sequential"/>): a model without a graph, whose layers
    /// are the ones <see cref="Track"/> adds and whose <see cref="Call(Tensor, bool)"/> the subclass overrides.
    /// </summary>
    /// <param name="name">The model's name; null: the class name in snake_case ("MyNet" → "my_net"), as Keras names it.</param>
    protected Model(string? name = null) => Name = name ?? Naming.ToSnakeCase(GetType().Name);

    /// <summary>The model's name ("model", "sequential" unless given), shown by Summary and kept in model files and messages.</summary>
    public string Name { get; }

    /// <summary>The layers, in call order (for a graph model, input layers included; for a subclassed model, in the order <see cref="Track"/> added them).</summary>
    public virtual IReadOnlyList<Layer> Layers => _graph?.Layers ?? _tracked;

    /// <summary>All weights, by layer then creation order.</summary>
    public IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);

    /// <summary>The weights the optimizer updates: <see cref="Parameters"/> without the frozen ones (<c>Trainable</c> false).</summary>
    public IEnumerable<Parameter> TrainableParameters => Parameters.Where(p => p.Trainable);

    /// <summary>
    /// Clears every weight's gradient before the next <c>Backward()</c> of a training loop of your own (PyTorch's
    /// <c>zero_grad</c>; gradients accumulate). By default the gradients are dropped (PyTorch's
    /// <c>set_to_none=True</c>): a weight that the next pass does not reach then has no gradient, and an
    /// optimizer's <c>Apply</c> leaves it and its moments alone. With <paramref name="setToNone"/> false they are
    /// filled with zeros in place instead (their memory is kept).
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters)
        {
            if (setToNone) p.Value.Grad = null;
            else p.Value.Grad?.Span.Clear();
        }
    }

    /// <summary>Whether every layer has created its weights (by <see cref="Build"/>, a first call, or an input shape known up front); false without layers.</summary>
    public bool IsBuilt => Layers.Count > 0 && Layers.All(l => l.IsBuilt);

    /// <summary>Set by a callback to end Fit after the current batch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>
    /// Runs a model with one input and one output on a batch. A subclassed model overrides it with its
    /// forward pass: calls of its tracked layers and <c>Ops</c> (Fit, Evaluate and Predict run it).
    /// </summary>
    /// <param name="x">A batch, batch axis first.</param>
    /// <param name="training">True inside a training step (Dropout active, BatchNormalization on batch statistics); pass it on to the layers.</param>
    /// <exception cref="InvalidOperationException">The model has several inputs or outputs: use <see cref="Call(IReadOnlyList{Tensor}, bool)"/>; or it is a subclassed model that does not override this method.</exception>
    public virtual Tensor Call(Tensor x, bool training = false)
    {
        if (_graph is null)
            throw new InvalidOperationException($"Model '{Name}' ({GetType().Name}) is a subclassed model: override Call(Tensor x, bool training) with its forward pass.");
        var graph = _graph;
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs: use Call(IReadOnlyList<Tensor>).");
        return graph.Run([x], training)[0];
    }

    /// <summary>
    /// Runs a model with one input and one output and returns the output's mask too (null when it
    /// has none), for the losses and metrics of Fit and Evaluate.
    /// </summary>
    internal virtual (Tensor Output, Tensor? Mask) CallWithMask(Tensor x, bool training)
    {
        if (_graph is null) return (Call(x, training), null); // a subclassed model: its own forward pass, no masks
        var graph = _graph;
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs: use Call(IReadOnlyList<Tensor>).");
        var masks = new Tensor?[1];
        var y = graph.Run([x], training, masks)[0];
        return (y, masks[0]);
    }

    /// <summary>
    /// Creates every layer's weights for a per-sample input shape (batch axis excluded). A graph
    /// model's layers are built when called on symbolic tensors; for it this only checks the shape.
    /// A subclassed model is built by calling it once on a batch of one float sample of zeros
    /// (without gradients); a model taking token ids is built by calling it on a real batch instead.
    /// </summary>
    public virtual void Build(Shape inputShape)
    {
        if (_graph is null)
        {
            BuildByCalling(inputShape);
            return;
        }
        var graph = _graph;
        if (graph.Inputs.Count != 1 || graph.Inputs[0].Shape != inputShape)
            throw new ShapeMismatchException($"Model '{Name}' takes inputs {graph.InputNames()}; Build got {inputShape.ToBatchString()}.");
    }

    /// <summary>Per-layer output shapes (batch excluded), for Summary.</summary>
    internal virtual IReadOnlyList<Shape> LayerOutputShapes() => _graph?.LayerOutputShapes() ?? [];

    /// <summary>Keras's summary table: layer (type), output shape, parameter count, totals.</summary>
    public string Summary(Action<string>? print = null)
    {
        string text = ModelSummary.Format(this);
        (print ?? Console.WriteLine)(text);
        return text;
    }
}
