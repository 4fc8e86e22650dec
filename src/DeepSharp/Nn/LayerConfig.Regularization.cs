using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn;

internal sealed partial class LayerConfig
{
    /// <summary>A regularizer in Keras's serialized form (or a bare name), or null when missing or null.</summary>
    public Regularizer? Regularizer(string key) => Nested(key, RegularizerRegistry.FromJson);

    /// <summary>A constraint in Keras's serialized form (or a bare name), or null when missing or null.</summary>
    public Constraint? Constraint(string key) => Nested(key, ConstraintRegistry.FromJson);

    private T? Nested<T>(string key, Func<JsonNode, T> create) where T : class
    {
        var node = _config[key];
        if (node is null) return null;
        try
        {
            return create(node);
        }
        catch (DeepSharpException e)
        {
            throw new DeepSharpException($"{Where}: config key '{key}': {e.Message}", e);
        }
    }
}
