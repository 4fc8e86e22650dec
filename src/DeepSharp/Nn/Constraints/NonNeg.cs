using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Constraints;

/// <summary>Keras's <c>NonNeg</c>: negative weights become 0.</summary>
public sealed class NonNeg : Constraint
{
    /// <inheritdoc/>
    public override string ClassName => "NonNeg";

    /// <inheritdoc/>
    public override void Apply(Tensor weight)
    {
        var w = weight.Span;
        for (int i = 0; i < w.Length; i++)
            if (w[i] < 0f) w[i] = 0f;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => [];
}
