using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>x·scale + offset, in training and inference alike (e.g. <c>new Rescaling(1f / 255)</c>).</summary>
public sealed class Rescaling(float scale, float offset = 0f, string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    public override string TypeName => "Rescaling";
    public float Scale { get; } = scale;
    public float Offset { get; } = offset;

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training) => Ops.Affine(x, Scale, Offset);

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["scale"] = Scale;
        config["offset"] = Offset;
        return config;
    }

    internal static Rescaling FromConfig(LayerConfig c) => new(
        c.RequiredFloat("scale"), c.Float("offset", 0f), c.Name, c.Shape("input_shape"));
}
