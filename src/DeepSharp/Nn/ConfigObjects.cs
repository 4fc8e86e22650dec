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
    /// Creates the object <paramref name="node"/> describes from the built-in factories of
    /// <paramref name="table"/>, or else from a factory of your own registered there or in an open
    /// <see cref="CustomObjects.Scope"/>; a built-in's config is read with the checked
    /// <see cref="LayerConfig"/> reader, so errors name the kind ("regularizer"), the class and the key.
    /// A factory of your own gets the config object and must return an object whose class name is the
    /// one asked for.
    /// </summary>
    public static T Create<T>(JsonNode node, RegisteredObjects<T> table, Func<T, string> classNameOf) where T : class
    {
        ArgumentNullException.ThrowIfNull(node);
        string kind = table.Kind, title = $"{char.ToUpperInvariant(kind[0])}{kind[1..]}";
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
        if (table.BuiltIn.TryGetValue(className, out var factory))
        {
            var reader = new LayerConfig(config, className, $"{title} {className}");
            try
            {
                return factory(reader);
            }
            catch (ArgumentException e)
            {
                throw new DeepSharpException($"{title} {className}: {e.Message}", e);
            }
        }
        var custom = table.Find(className) ?? throw new DeepSharpException(table.Unknown(className));
        T? made;
        try
        {
            made = custom((JsonObject)config.DeepClone());
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or InvalidCastException
            or OverflowException or KeyNotFoundException or NullReferenceException or System.Text.Json.JsonException)
        {
            throw new DeepSharpException($"{title} {TerminalText.Escape(className)} (registered): invalid config: {e.Message}", e);
        }
        if (made is null || classNameOf(made) != className)
            throw new DeepSharpException($"The factory registered for {kind} '{TerminalText.Escape(className)}' returned " +
                (made is null ? "null" : $"a {kind} whose ClassName is '{TerminalText.Escape(classNameOf(made))}'") + $"; it must return a new {className}.");
        return made;
    }

    /// <summary>
    /// Whether <paramref name="config"/> (a layer config, searched through) holds a regularizer or
    /// constraint that is not built in, i.e. one of the user's: Keras's serialized form with a
    /// <c>module</c> of keras.regularizers or keras.constraints and another class name.
    /// </summary>
    public static bool HoldsUserObjects(JsonNode? config)
    {
        switch (config)
        {
            case JsonObject o:
                if (o["class_name"] is JsonValue c && c.TryGetValue(out string? name) && o["module"] is JsonValue m && m.TryGetValue(out string? module)
                    && ((module == "keras.regularizers" && !RegularizerRegistry.Table.BuiltIn.ContainsKey(name))
                        || (module == "keras.constraints" && !ConstraintRegistry.Table.BuiltIn.ContainsKey(name))))
                    return true;
                foreach (var (_, value) in o)
                    if (HoldsUserObjects(value)) return true;
                return false;
            case JsonArray a:
                foreach (var value in a)
                    if (HoldsUserObjects(value)) return true;
                return false;
            default:
                return false;
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
