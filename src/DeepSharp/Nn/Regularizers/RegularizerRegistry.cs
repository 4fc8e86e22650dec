using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Regularizers;

/// <summary>
/// The regularizers a config (or a model file) can create: an explicit table from Keras's class
/// name (and its snake_case alias, as Keras's <c>regularizers.get("l2")</c>) to factory, as
/// <see cref="LayerRegistry"/> is for layers. Nothing is looked up by reflection.
/// </summary>
public static class RegularizerRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Regularizer>> s_factories = new(StringComparer.Ordinal)
    {
        ["L1"] = c => new L1(c.Float("l1", 0.01f, 0f)),
        ["L2"] = c => new L2(c.Float("l2", 0.01f, 0f)),
        ["L1L2"] = c => new L1L2(c.Float("l1", 0f, 0f), c.Float("l2", 0f, 0f)),
        ["l1"] = c => new L1(c.Float("l1", 0.01f, 0f)),
        ["l2"] = c => new L2(c.Float("l2", 0.01f, 0f)),
        ["l1_l2"] = c => new L1L2(c.Float("l1", 0f, 0f), c.Float("l2", 0f, 0f)),
    };

    /// <summary>The class names (and aliases) a config may use.</summary>
    public static IReadOnlyCollection<string> KnownTypes => s_factories.Keys;

    /// <summary>
    /// A regularizer from Keras's serialized form: an object with <c>class_name</c> and an optional
    /// <c>config</c> (other keys, such as <c>module</c>, are ignored), or a bare name ("l2") for the
    /// defaults. Unknown names and config values that are missing, of the wrong kind, negative or
    /// not finite throw a <see cref="DeepSharpException"/> that says which.
    /// </summary>
    public static Regularizer FromJson(JsonNode node) =>
        ConfigObjects.Create(node, "regularizer", s_factories);
}
