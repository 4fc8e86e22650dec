using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace DeepSharp.Nn;

/// <summary>
/// The config objects of one kind (regularizers, constraints) the program registered, beside the
/// built-in table: the same rules as <see cref="LayerRegistry.Register"/> (printable names, no
/// built-in name, one factory per name). Configs find a name in an open
/// <see cref="CustomObjects.Scope"/> first, then here.
/// </summary>
internal sealed class RegisteredObjects<T>(string kind, string registerCall, string addCall,
    IReadOnlyDictionary<string, Func<LayerConfig, T>> builtIn, Func<string, Func<JsonObject, T>?> inScope) where T : class
{
    private readonly ConcurrentDictionary<string, Func<JsonObject, T>> _registered = new(StringComparer.Ordinal);

    /// <summary>"regularizer" or "constraint", for messages.</summary>
    public string Kind => kind;

    /// <summary>The built-in factories, by class name.</summary>
    public IReadOnlyDictionary<string, Func<LayerConfig, T>> BuiltIn => builtIn;

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyCollection<string> Names => _registered.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Registers <paramref name="fromConfig"/> under <paramref name="className"/>; the same factory again does nothing.</summary>
    public void Register(string className, Func<JsonObject, T> fromConfig)
    {
        CheckNewName(className, fromConfig);
        var existing = _registered.GetOrAdd(className, fromConfig);
        if (!existing.Equals(fromConfig))
            throw new ArgumentException($"The {kind} '{className}' is registered already, with another factory; a name can stand for one type only.", nameof(className));
    }

    /// <summary>The checks every new name passes: printable, of a bounded length, not built in.</summary>
    public void CheckNewName(string className, Delegate fromConfig)
    {
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (className.Length == 0 || className.Length > LayerConfig.MaxString || Naming.TextProblem(className) is not null)
            throw new ArgumentException($"A {kind} class name must be 1 to {LayerConfig.MaxString} printable characters; got \"{TerminalText.Escape(className)}\".", nameof(className));
        if (builtIn.ContainsKey(className))
            throw new ArgumentException($"'{className}' is a built-in {kind}; give your class another ClassName (and register it under that).", nameof(className));
    }

    /// <summary>The factory of a name of your own: an open scope's (innermost first), else the registered one; null when none.</summary>
    public Func<JsonObject, T>? Find(string className) => inScope(className) ?? _registered.GetValueOrDefault(className);

    /// <summary>Whether a config may name <paramref name="className"/> now.</summary>
    public bool IsKnown(string className) => builtIn.ContainsKey(className) || Find(className) is not null;

    /// <summary>The message for a name nobody registered: what is known, and how to register one.</summary>
    public string Unknown(string className)
    {
        string name = TerminalText.Escape(className);
        var registered = Names;
        return $"Unknown {kind} '{name}'; built-in: {string.Join(", ", builtIn.Keys)}" +
            (registered.Count == 0 ? "" : $"; registered: {string.Join(", ", registered)}") +
            $". A {kind} of your own must be registered before a config naming it is read: {registerCall}(\"{name}\", config => ...) once at start-up, " +
            $"or new CustomObjects().{addCall}(\"{name}\", config => ...) for one load; see docs/custom.md.";
    }
}
