using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// A layer, with Keras's contract: the constructor stores configuration only; weights are created
/// lazily by <see cref="Build(Shape)"/> on the first call, when the input shape is known; <see cref="Forward(Tensor, bool)"/>
/// computes; <see cref="ComputeOutputShape(Shape)"/> and <see cref="GetConfig"/> describe it.
/// Shapes given to and returned by layers exclude the batch axis.
/// </summary>
public abstract partial class Layer
{
    private readonly List<Parameter> _parameters = [];
    private string? _name;

    /// <param name="name">The layer's name, or null for a Keras-style default; printable text (no control characters or lone surrogates), as model files require.</param>
    /// <param name="inputShape">The per-sample input shape, or null to build on first use.</param>
    /// <exception cref="ArgumentException">The name is not printable text.</exception>
    protected Layer(string? name, int[]? inputShape)
    {
        if (name is not null && Naming.TextProblem(name) is { } problem)
            throw new ArgumentException($"Layer name \"{TerminalText.Escape(name)}\" {problem}; a name must be printable text, as model files require.", nameof(name));
        _name = name;
        InputShape = inputShape is null ? (Shape?)null : new Shape(inputShape);
    }

    /// <summary>Keras's class name, e.g. "Dense" (the type written into model configs).</summary>
    public abstract string TypeName { get; }

    /// <summary>The random generator this layer draws from while training (dropout masks, augmentation), if any; checkpoints save its state.</summary>
    internal virtual RandomGenerator? TrainingGenerator => null;

    /// <summary>
    /// Makes the layer draw from <paramref name="generator"/> from now on instead of its own <see cref="TrainingGenerator"/>
    /// (Bidirectional gives both directions' dropout one generator, which its checkpoints save); false for a layer
    /// that draws nothing or cannot take another generator.
    /// </summary>
    internal virtual bool ShareTrainingGenerator(RandomGenerator generator) => false;

    /// <summary>The layer's name; models give unnamed layers Keras-style names (dense, dense_1, ...).</summary>
    public string Name
    {
        get => _name ?? DefaultNamePrefix;
        internal set => _name = value;
    }

    internal bool HasExplicitName => _name is not null;

    /// <summary>Keras's default name stem: the snake_case class name ("max_pooling2d").</summary>
    public virtual string DefaultNamePrefix => Naming.ToSnakeCase(TypeName);

    /// <summary>The per-sample input shape, if the user declared it (Keras's input_shape).</summary>
    public Shape? InputShape { get; }

    /// <summary>Whether the weights exist: set by the first <see cref="Build(Shape)"/> or call, after which inputs must keep <see cref="BuiltInputShape"/>.</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The per-sample input shape the layer was built for.</summary>
    public Shape? BuiltInputShape { get; private set; }

    /// <summary>The layer's weights, then its sublayers' (see <see cref="Sublayers"/>).</summary>
    public IReadOnlyList<Parameter> Parameters => _sublayers is null ? _parameters : AllParameters();

    /// <summary>Number of weight values, trainable or not, sublayers' included (the count a model summary shows).</summary>
    public int ParameterCount => Parameters.Sum(p => p.Value.Size);

    /// <summary>Creates the weights for a per-sample input shape (once; later calls must agree).</summary>
    public void Build(Shape inputShape)
    {
        if (IsBuilt)
        {
            if (BuiltInputShape != inputShape)
                throw new ShapeMismatchException($"Layer '{Name}' was built for inputs {BuiltInputShape?.ToBatchString()} but got {inputShape.ToBatchString()}." +
                    (BuiltInputShape is { } built && LacksBatchAxis(built, inputShape)
                        ? $" The first axis is the batch: a single sample {built} needs one, as shape {built.WithBatch(1)}." : ""));
            return;
        }
        try
        {
            OnBuild(inputShape);
        }
        catch (ShapeMismatchException e) when (!e.Message.Contains($"'{Name}'", StringComparison.Ordinal))
        {
            // A weight's shape that does not fit (an LSTMCell of 536,870,911 units: "Shape (2, 2147483644) has more than
            // 2147483647 elements") said nothing of which layer asked for it.
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) cannot be built for inputs {inputShape.ToBatchString()}: {e.Message}", e);
        }
        BuiltInputShape = inputShape;
        IsBuilt = true;
    }

    /// <summary>Whether <paramref name="got"/> is <paramref name="built"/> without its first axis: one sample given without a batch axis.</summary>
    private static bool LacksBatchAxis(Shape built, Shape got) =>
        built.Rank == got.Rank + 1 && built.WithoutBatch() == got;

    /// <summary>Runs the layer on a batch, building it first if needed.</summary>
    public Tensor Call(Tensor x, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        if (AcceptsSingleImages && x.Rank == 3) // one image (height, width, channels), as Keras's image layers take it
        {
            var batchOfOne = Call(Autograd.Ops.Reshape(x, x.Shape.WithBatch(1)), training);
            return Autograd.Ops.Reshape(batchOfOne, batchOfOne.Shape.WithoutBatch());   // the output's own size: Resizing, crops
        }
        Build(x.Shape.WithoutBatch());
        return Forward(x, training);
    }

    /// <summary>
    /// Inference forward of a built layer on an input whose per-sample shape may differ from the built
    /// one (Predict's bands of image rows through a convolution and a pool, whose weights do not depend
    /// on the height); the caller makes sure the layer accepts it.
    /// </summary>
    internal Tensor CallOnPart(Tensor x) => Forward(x, training: false);

    /// <summary>The per-sample output shape for a per-sample input shape.</summary>
    public abstract Shape ComputeOutputShape(Shape inputShape);

    /// <summary>
    /// Whether <see cref="Call(Tensor, bool)"/> takes a single image (height, width, channels) without its batch axis, as
    /// Keras's image preprocessing and augmentation layers do: it runs as a batch of one and loses that axis again.
    /// </summary>
    private protected virtual bool AcceptsSingleImages => false;

    /// <summary>Keras-style configuration (snake_case keys), enough to rebuild the layer.</summary>
    public virtual JsonObject GetConfig()
    {
        var config = new JsonObject { ["name"] = Name };
        if (InputShape is { } s) config["input_shape"] = Naming.ToJson(s);
        if (ActivityRegularizer is { } r) config["activity_regularizer"] = r.ToJson();
        if (!Trainable) config["trainable"] = false;
        return config;
    }

    /// <summary>
    /// Checks the per-sample input shape and creates the weights with <see cref="AddWeight"/>; called
    /// once, by <see cref="Build(Shape)"/>. The default creates none.
    /// </summary>
    protected virtual void OnBuild(Shape inputShape) { }

    /// <summary>The computation of a built layer on a batch (batch axis first).</summary>
    /// <param name="x">The input batch.</param>
    /// <param name="training">True inside a training step: dropout, batch statistics and augmentation apply only then.</param>
    protected abstract Tensor Forward(Tensor x, bool training);

    /// <summary>
    /// Creates a weight filled by <paramref name="initializer"/> from the global generator, with an
    /// optional penalty that training adds to the loss and an optional projection the optimizer
    /// applies after each update.
    /// </summary>
    /// <exception cref="DeepSharpException"><paramref name="constraint"/> does not fit the weight's shape (an axis out of range).</exception>
    protected Parameter AddWeight(string name, Shape shape, Initializer initializer, bool trainable = true,
        Regularizer? regularizer = null, Constraint? constraint = null)
    {
        constraint?.Check(shape, $"{Path}/{name}");
        WeightBudget.Take(shape.Size, $"{Name}/{name}");
        var value = Tensor.Empty(shape);
        initializer.Fill(value.Span, shape, RandomGenerator.Global);
        var parameter = new Parameter(this, name, value, trainable, regularizer, constraint);
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Throws a shape error naming this layer.</summary>
    protected ShapeMismatchException ShapeError(string expected, Shape actual) =>
        new($"Layer '{Name}' ({TypeName}) expects inputs {expected}, got {actual.ToBatchString()}.");

    /// <summary>The type and name, e.g. <c>Dense 'dense_1'</c>.</summary>
    public override string ToString() => $"{TypeName} '{Name}'";
}
