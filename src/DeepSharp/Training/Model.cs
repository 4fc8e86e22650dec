using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A trainable network with Keras's workflow: <c>Compile</c> (Model.Compile.cs), then Fit
/// (Model.Fit.cs), Evaluate and Predict (Model.Evaluate.cs, Model.Predict.cs, dictionaries in
/// Model.Named.cs), and <see cref="Summary"/>. The model describes the network; Compile gives it a
/// <see cref="Training.Trainer"/>, which runs the training and evaluation loops. As in Keras,
/// <c>new Model(inputs, outputs)</c> makes a model from a graph of layer calls (Model.Graph.cs);
/// <see cref="Sequential"/> is the plain stack of layers.
/// </summary>
public partial class Model
{
    /// <summary>For <see cref="Sequential"/>, which keeps its own layers and overrides the graph members.</summary>
    private protected Model(string? name) => Name = name ?? "model";

    /// <summary>The model's name ("model", "sequential" unless given), shown by Summary and kept in model files and messages.</summary>
    public string Name { get; }

    /// <summary>The layers, in call order (for a graph model, input layers included).</summary>
    public virtual IReadOnlyList<Layer> Layers => Graph().Layers;

    /// <summary>All weights, by layer then creation order.</summary>
    public IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);

    /// <summary>The weights the optimizer updates: <see cref="Parameters"/> without the frozen ones (<c>Trainable</c> false).</summary>
    public IEnumerable<Parameter> TrainableParameters => Parameters.Where(p => p.Trainable);

    /// <summary>Whether every layer has created its weights (by <see cref="Build"/>, a first call, or an input shape known up front); false without layers.</summary>
    public bool IsBuilt => Layers.Count > 0 && Layers.All(l => l.IsBuilt);

    /// <summary>Set by a callback to end Fit after the current batch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Runs a model with one input and one output on a batch.</summary>
    /// <exception cref="InvalidOperationException">The model has several inputs or outputs: use <see cref="Call(IReadOnlyList{Tensor}, bool)"/>.</exception>
    public virtual Tensor Call(Tensor x, bool training = false)
    {
        var graph = Graph();
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
        var graph = Graph();
        if (graph.Inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new InvalidOperationException($"Model '{Name}' has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs: use Call(IReadOnlyList<Tensor>).");
        var masks = new Tensor?[1];
        var y = graph.Run([x], training, masks)[0];
        return (y, masks[0]);
    }

    /// <summary>
    /// Creates every layer's weights for a per-sample input shape (batch axis excluded). A graph
    /// model's layers are built when called on symbolic tensors; for it this only checks the shape.
    /// </summary>
    public virtual void Build(Shape inputShape)
    {
        var graph = Graph();
        if (graph.Inputs.Count != 1 || graph.Inputs[0].Shape != inputShape)
            throw new ShapeMismatchException($"Model '{Name}' takes inputs {graph.InputNames()}; Build got {inputShape.ToBatchString()}.");
    }

    /// <summary>Per-layer output shapes (batch excluded), for Summary.</summary>
    internal virtual IReadOnlyList<Shape> LayerOutputShapes() => Graph().LayerOutputShapes();

    /// <summary>Keras's summary table: layer (type), output shape, parameter count, totals.</summary>
    public string Summary(Action<string>? print = null)
    {
        string text = ModelSummary.Format(this);
        (print ?? Console.WriteLine)(text);
        return text;
    }
}
