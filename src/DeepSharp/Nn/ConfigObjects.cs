using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn;

/// <summary>
/// Objects a layer config holds in Keras's serialized form (regularizers, constraints):
/// <c>{"class_name": "L2", "config": {...}}</c> or a bare name, created only from an explicit table.
/// </summary>
internal static class ConfigObjects
{
    /// <summary>
    /// Creates the object <paramref name="node"/> describes from <paramref name="factories"/>; its
    /// config is read with the checked <see cref="LayerConfig"/> reader, so errors name the kind
    /// (<paramref name="kind"/>, "regularizer"), the class and the key.
    /// </summary>
    public static T Create<T>(JsonNode node, string kind, IReadOnlyDictionary<string, Func<LayerConfig, T>> factories)
    {
        ArgumentNullException.ThrowIfNull(node);
        string className;
        JsonObject config;
        if (node is JsonObject wrapper)
        {
            var outer = new LayerConfig(wrapper, kind, $"A {kind}");
            className = outer.OptionalString("class_name") ?? throw outer.Error("class_name", "is missing");
            config = outer.Object("config") ?? [];
        }
        else
        {
            if (node is not JsonValue value || !value.TryGetValue(out string? _))
                throw new DeepSharpException($"A {kind} must be a name or an object with \"class_name\" and \"config\", got a JSON {node.GetValueKind()}.");
            // Read through the checked reader: printable text of a bounded length.
            className = new LayerConfig(new JsonObject { ["class_name"] = node.DeepClone() }, kind, $"A {kind}").OptionalString("class_name")!;
            config = [];
        }
        if (!factories.TryGetValue(className, out var factory))
            throw new DeepSharpException($"Unknown {kind} '{TerminalText.Escape(className)}'; known: {string.Join(", ", factories.Keys)}.");
        var reader = new LayerConfig(config, className, $"{char.ToUpperInvariant(kind[0])}{kind[1..]} {className}");
        try
        {
            return factory(reader);
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"{char.ToUpperInvariant(kind[0])}{kind[1..]} {className}: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="regularizer"/> under <paramref name="key"/> in Keras's form; nothing when null.</summary>
    public static void Put(JsonObject config, string key, Regularizer? regularizer)
    {
        if (regularizer is not null) config[key] = regularizer.ToJson();
    }

    /// <summary>Writes <paramref name="constraint"/> under <paramref name="key"/> in Keras's form; nothing when null.</summary>
    public static void Put(JsonObject config, string key, Constraint? constraint)
    {
        if (constraint is not null) config[key] = constraint.ToJson();
    }
}
