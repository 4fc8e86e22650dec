using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Applies an activation function (Keras's <c>Activation</c> layer; its type name is "Activation").</summary>
public sealed class ActivationLayer : Layer
{
    /// <param name="activation">The function to apply, e.g. <see cref="Activation.Relu"/>.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activation"/> is null.</exception>
    public ActivationLayer(Activation activation, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Activation = activation ?? throw new ArgumentNullException(nameof(activation));
    }

    /// <summary>By Keras name: "relu", "gelu", "swish", ...</summary>
    public ActivationLayer(string activation, string? name = null) : this(Activation.FromName(activation), name) { }

    /// <inheritdoc/>
    public override string TypeName => "Activation";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>The function applied to every element (softmax: along the last axis).</summary>
    public Activation Activation { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Activation.Apply(x);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activation.ToConfig();
        return config;
    }

    internal static ActivationLayer FromConfig(LayerConfig c) => new(
        c.Has("activation") ? c.Activation("activation") : throw c.Error("activation", "is missing"), c.Name, c.Shape("input_shape"));
}
