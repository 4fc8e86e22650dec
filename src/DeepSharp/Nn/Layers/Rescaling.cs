using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>x·scale + offset, in training and inference alike (e.g. <c>new Rescaling(1f / 255)</c>).</summary>
public sealed class Rescaling(float scale, float offset = 0f, string? name = null, int[]? inputShape = null) : Layer(name, inputShape)
{
    /// <inheritdoc/>
    public override string TypeName => "Rescaling";
    /// <summary>The factor every value is multiplied by (1/255 maps bytes to [0, 1]).</summary>
    public float Scale { get; } = scale;
    /// <summary>Added after scaling (with scale 1/127.5, an offset of −1 maps bytes to [−1, 1]).</summary>
    public float Offset { get; } = offset;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Affine(x, Scale, Offset);

    /// <inheritdoc/>
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
