using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Applies an activation function (Keras's <c>Activation</c> layer; its type name is "Activation").</summary>
public sealed class ActivationLayer : Layer
{
    public ActivationLayer(Activation activation, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Activation = activation ?? throw new ArgumentNullException(nameof(activation));
    }

    /// <summary>By Keras name: "relu", "gelu", "swish", ...</summary>
    public ActivationLayer(string activation, string? name = null) : this(Activation.FromName(activation), name) { }

    public override string TypeName => "Activation";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    public Activation Activation { get; }

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training) => Activation.Apply(x);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activation.Name;
        return config;
    }

    internal static ActivationLayer FromConfig(LayerConfig c) => new(
        c.Has("activation") ? c.Activation("activation") : throw c.Error("activation", "is missing"), c.Name, c.Shape("input_shape"));
}
