using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Identity: returns its input unchanged and passes a mask on. A placeholder where a model
/// builder expects a layer (an optional block switched off, a named tap in a graph).
/// </summary>
public sealed class Identity : Layer
{
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    public Identity(string? name = null, int[]? inputShape = null) : base(name, inputShape) { }

    /// <inheritdoc/>
    public override string TypeName => "Identity";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => x;

    internal static Identity FromConfig(LayerConfig c) => new(c.Name, c.Shape("input_shape"));
}
