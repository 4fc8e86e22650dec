using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// A trainable network with Keras's workflow: <see cref="Compile"/>, then Fit, Evaluate and
/// Predict (in Model.Fit.cs), and <see cref="Summary"/>.
/// </summary>
public abstract partial class Model
{
    protected Model(string? name) => Name = name ?? "model";

    public string Name { get; }

    /// <summary>The layers, in call order.</summary>
    public abstract IReadOnlyList<Layer> Layers { get; }

    /// <summary>All weights, by layer then creation order.</summary>
    public IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);

    public IEnumerable<Parameter> TrainableParameters => Parameters.Where(p => p.Trainable);

    public bool IsBuilt => Layers.Count > 0 && Layers.All(l => l.IsBuilt);

    /// <summary>Set by a callback to end Fit after the current batch.</summary>
    public bool StopTraining { get; set; }

    public Optimizer? Optimizer { get; private set; }
    public Loss? Loss { get; private set; }
    public IReadOnlyList<Metric> Metrics { get; private set; } = [];

    /// <summary>Runs the network on a batch.</summary>
    public abstract Tensor Call(Tensor x, bool training = false);

    /// <summary>Creates every layer's weights for a per-sample input shape (batch axis excluded).</summary>
    public abstract void Build(Shape inputShape);

    /// <summary>Per-layer output shapes (batch excluded), for Summary.</summary>
    internal abstract IReadOnlyList<Shape> LayerOutputShapes();

    /// <summary>Chooses the optimizer, loss and metrics Fit and Evaluate use.</summary>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric>? metrics = null)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Metrics = metrics?.ToArray() ?? [];
    }

    /// <summary>Keras's summary table: layer (type), output shape, parameter count, totals.</summary>
    public string Summary(Action<string>? print = null)
    {
        string text = ModelSummary.Format(this);
        (print ?? Console.WriteLine)(text);
        return text;
    }
}
