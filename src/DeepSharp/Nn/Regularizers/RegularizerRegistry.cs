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
        ConfigObjects.Create(node, Table, r => r.ClassName);

    /// <summary>
    /// Registers a regularizer class of your own for every config and model file the program reads
    /// (Keras's <c>register_keras_serializable</c>): a config whose class_name is
    /// <paramref name="className"/> (the regularizer's <see cref="Regularizer.ClassName"/>) is made by
    /// <paramref name="fromConfig"/>, which reads what its <see cref="Regularizer.GetConfig"/> wrote
    /// (values arrive as JSON: read them with <c>GetValue&lt;T&gt;()</c>). Register once at start-up,
    /// before saving or loading; the same factory again does nothing. See docs/custom.md.
    /// <code>
    /// RegularizerRegistry.Register("Orthogonality", Orthogonality.FromConfig);
    /// </code>
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or not printable, a built-in's, or registered already with another factory.</exception>
    public static void Register(string className, Func<JsonObject, Regularizer> fromConfig) => Table.Register(className, fromConfig);

    /// <summary>The regularizer classes the program registered with <see cref="Register"/>.</summary>
    public static IReadOnlyCollection<string> RegisteredTypes => Table.Names;

    /// <summary>Whether a config may name <paramref name="className"/> now: built in, registered, or in an open <see cref="CustomObjects.Scope"/>.</summary>
    public static bool IsKnown(string className) => Table.IsKnown(className);

    internal static RegisteredObjects<Regularizer> Table { get; } = new("regularizer", "RegularizerRegistry.Register", "AddRegularizer",
        s_factories, CustomObjects.FindRegularizer);
}
