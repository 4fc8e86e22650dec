using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Constraints;

/// <summary>
/// The constraints a config (or a model file) can create: an explicit table from Keras's class
/// name (and its snake_case alias, as Keras's <c>constraints.get("max_norm")</c>) to factory, as
/// <see cref="LayerRegistry"/> is for layers. Nothing is looked up by reflection.
/// </summary>
public static class ConstraintRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Constraint>> s_factories = new(StringComparer.Ordinal)
    {
        ["MaxNorm"] = MaxNormOf,
        ["NonNeg"] = _ => new NonNeg(),
        ["UnitNorm"] = c => new UnitNorm(c.Axes("axis")),
        ["MinMaxNorm"] = MinMaxNormOf,
        ["max_norm"] = MaxNormOf,
        ["non_neg"] = _ => new NonNeg(),
        ["unit_norm"] = c => new UnitNorm(c.Axes("axis")),
        ["min_max_norm"] = MinMaxNormOf,
    };

    /// <summary>The class names (and aliases) a config may use.</summary>
    public static IReadOnlyCollection<string> KnownTypes => s_factories.Keys;

    /// <summary>
    /// A constraint from Keras's serialized form: an object with <c>class_name</c> and an optional
    /// <c>config</c> (other keys, such as <c>module</c>, are ignored), or a bare name ("max_norm") for
    /// the defaults. Unknown names and config values that are missing, of the wrong kind or out of
    /// range throw a <see cref="DeepSharpException"/> that says which.
    /// </summary>
    public static Constraint FromJson(JsonNode node) =>
        ConfigObjects.Create(node, "constraint", s_factories);

    private static Constraint MaxNormOf(LayerConfig c) => new MaxNorm(c.Float("max_value", 2f, 0f), c.Axes("axis"));

    private static Constraint MinMaxNormOf(LayerConfig c) =>
        new MinMaxNorm(c.Float("min_value", 0f, 0f), c.Float("max_value", 1f, 0f), c.Float("rate", 1f, 0f, 1f), c.Axes("axis"));
}
