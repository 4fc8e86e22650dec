using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Normalises each sample over its last axis (Keras defaults: axis −1, ε 1e-3, center and scale):
/// γ·(x − mean)/√(variance + ε) + β, the same in training and inference.
/// </summary>
public sealed class LayerNormalization : Layer
{
    private Parameter? _gamma, _beta;

    public LayerNormalization(int axis = -1, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (axis != -1) throw new ArgumentOutOfRangeException(nameof(axis), axis, "LayerNormalization supports axis -1 only.");
        if (!(epsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive.");
        Axis = axis;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
    }

    public override string TypeName => "LayerNormalization";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    public int Axis { get; }
    public float Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }

    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank < 1) throw ShapeError("(batch, ..., features)", inputShape);
        var features = new Shape(inputShape[-1]);
        if (Scale) _gamma = AddWeight("gamma", features, Initializer.Ones);
        if (Center) _beta = AddWeight("beta", features, Initializer.Zeros);
    }

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Shape[-1] != BuiltInputShape!.Value[-1]) throw ShapeError($"(batch, ..., {BuiltInputShape.Value[-1]})", x.Shape.WithoutBatch());
        return Ops.LayerNorm(x, _gamma?.Value, _beta?.Value, Epsilon);
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        return config;
    }

    internal static LayerNormalization FromConfig(JsonObject c) => new(
        (int?)c["axis"] ?? -1, (float?)c["epsilon"] ?? 1e-3f, (bool?)c["center"] ?? true, (bool?)c["scale"] ?? true,
        (string?)c["name"], Naming.ReadShape(c, "input_shape"));
}
