namespace DeepSharp.Optimizers;

public abstract partial class Optimizer
{
    private static readonly (string Name, Func<Optimizer> Create)[] s_byName =
    [
        ("sgd", () => new Sgd()), ("adam", () => new Adam()), ("adamw", () => new AdamW()),
        ("rmsprop", () => new RmsProp()), ("adagrad", () => new Adagrad()), ("nadam", () => new Nadam()),
        ("adamax", () => new Adamax()), ("adadelta", () => new Adadelta()), ("lion", () => new Lion()), ("ftrl", () => new Ftrl()),
    ];

    /// <summary>The Keras names <see cref="FromName"/> knows, in its order: "sgd", "adam", "adamw", ...</summary>
    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll(s_byName, o => o.Name);

    /// <summary>
    /// A new optimizer with Keras's defaults from its Keras name, as <c>keras.optimizers.get</c>: "sgd", "adam",
    /// "adamw", "rmsprop", "adagrad", "nadam", "adamax", "adadelta", "lion", "ftrl". Case and underscores are ignored, so class names work too ("RMSprop", "Adam").
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of these; the message lists them.</exception>
    public static Optimizer FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        foreach (var (known, create) in s_byName)
            if (known == key) return create();
        throw new ArgumentException($"Unknown optimizer '{TerminalText.Escape(name)}'; known: {string.Join(", ", s_byName.Select(o => o.Name))}. " +
            "For other settings construct one, e.g. new Adam(1e-4f).", nameof(name));
    }

    /// <summary>
    /// Keras's <c>optimizer="adam"</c>: a name converts to <see cref="FromName"/>'s optimizer, so
    /// <c>model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"])</c> compiles.
    /// </summary>
    public static implicit operator Optimizer(string name) => FromName(name);
}
