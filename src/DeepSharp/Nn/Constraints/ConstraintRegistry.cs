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
        ConfigObjects.Create(node, Table, c => c.ClassName);

    /// <summary>
    /// Registers a constraint class of your own for every config and model file the program reads
    /// (Keras's <c>register_keras_serializable</c>): a config whose class_name is
    /// <paramref name="className"/> (the constraint's <see cref="Constraint.ClassName"/>) is made by
    /// <paramref name="fromConfig"/>, which reads what its <see cref="Constraint.GetConfig"/> wrote.
    /// Register once at start-up, before saving or loading; the same factory again does nothing. See docs/custom.md.
    /// <code>
    /// ConstraintRegistry.Register("Clip", Clip.FromConfig);
    /// </code>
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or not printable, a built-in's, or registered already with another factory.</exception>
    public static void Register(string className, Func<JsonObject, Constraint> fromConfig) => Table.Register(className, fromConfig);

    /// <summary>The constraint classes the program registered with <see cref="Register"/>.</summary>
    public static IReadOnlyCollection<string> RegisteredTypes => Table.Names;

    /// <summary>Whether a config may name <paramref name="className"/> now: built in, registered, or in an open <see cref="CustomObjects.Scope"/>.</summary>
    public static bool IsKnown(string className) => Table.IsKnown(className);

    internal static RegisteredObjects<Constraint> Table { get; } = new("constraint", "ConstraintRegistry.Register", "AddConstraint",
        s_factories, CustomObjects.FindConstraint);

    private static Constraint MaxNormOf(LayerConfig c) => new MaxNorm(c.Float("max_value", 2f, 0f), c.Axes("axis"));

    private static Constraint MinMaxNormOf(LayerConfig c) =>
        new MinMaxNorm(c.Float("min_value", 0f, 0f), c.Float("max_value", 1f, 0f), c.Float("rate", 1f, 0f, 1f), c.Axes("axis"));
}
