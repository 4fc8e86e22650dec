using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's TimeDistributed wrapper: applies one layer to every step of (batch, time, …) inputs, with
/// the same weights at each step — e.g. a Conv2D over each frame of a video, (batch, frames, h, w, c).
/// The steps are folded into the batch axis (a free reshape), the layer runs once on
/// (batch·time, …), and the result is unfolded. The wrapped layer's weights are listed as this
/// layer's, named "time_distributed/conv2d/kernel" (as <see cref="Bidirectional"/>'s). A (batch,
/// time) mask passes on unchanged; the wrapped layer does not see it.
/// </summary>
public sealed class TimeDistributed : Layer
{
    /// <param name="layer">The layer to apply at every step; it is used as given (built for the per-step shape on the first call).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, …) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is an InputLayer or a merge layer.</exception>
    public TimeDistributed(Layer layer, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is InputLayer or MergeLayer)
            throw new ArgumentException($"TimeDistributed wraps a one-input layer; {layer} cannot be applied per step.", nameof(layer));
        Layer = layer;
    }

    /// <inheritdoc/>
    public override string TypeName => "TimeDistributed";
    /// <summary>The layer applied at every step.</summary>
    public Layer Layer { get; }
    /// <summary>True: a (batch, time) mask passes on unchanged (the steps stay).</summary>
    public override bool SupportsMasking => true;

    internal override RandomGenerator? TrainingGenerator => Layer.TrainingGenerator;

    /// <summary>The per-step input shape: the input without its time axis.</summary>
    /// <exception cref="ShapeMismatchException">The input has no axis after the time axis.</exception>
    public Shape StepShape(Shape inputShape)
    {
        if (inputShape.Rank < 2) throw ShapeError("(batch, time, …) with at least one axis after the time axis", inputShape);
        return new Shape(inputShape.Dims[1..]);
    }

    /// <summary>(time, the wrapped layer's output shape for one step).</summary>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var step = Layer.ComputeOutputShape(StepShape(inputShape));
        return new Shape([inputShape[0], .. step.Dims]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        Layer.Build(StepShape(inputShape));
        ComputeOutputShape(inputShape);
        TrackWeightsOf(Layer);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int batch = x.Shape[0], time = x.Shape[1];
        var folded = Ops.Reshape(x, new Shape([batch * time, .. x.Shape.Dims[2..]]));
        var y = Layer.Call(folded, training);
        return Ops.Reshape(y, new Shape([batch, time, .. y.Shape.Dims[1..]]));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["layer"] = new JsonObject { ["class_name"] = Layer.TypeName, ["config"] = Layer.GetConfig() };
        return config;
    }

    internal static TimeDistributed FromConfig(LayerConfig c)
    {
        var wrapped = c.Object("layer") ?? throw c.Error("layer", "is missing");
        var inner = new LayerConfig(wrapped, "TimeDistributed/layer");
        string type = inner.OptionalString("class_name") ?? throw c.Error("layer", "lacks 'class_name'");
        var config = inner.Object("config") ?? throw c.Error("layer", $"(a {type}) lacks 'config'");
        return new TimeDistributed(LayerRegistry.Create(type, (JsonObject)config.DeepClone()), c.Name, c.Shape("input_shape"));
    }
}
