using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Keras's ELU layer: x for x &gt; 0, <see cref="Alpha"/>·(eˣ − 1) otherwise.</summary>
public sealed class Elu : Layer
{
    /// <param name="alpha">The scale of the negative part (Keras's <c>alpha</c>, default 1), finite.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not finite.</exception>
    public Elu(float alpha = 1f, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "ELU alpha must be finite.");
        Alpha = alpha;
    }

    /// <inheritdoc/>
    public override string TypeName => "ELU";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>The scale of the negative part.</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Elu(x, Alpha);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["alpha"] = Alpha;
        return config;
    }

    internal static Elu FromConfig(LayerConfig c) => new(c.Float("alpha", 1f), c.Name, c.Shape("input_shape"));
}
