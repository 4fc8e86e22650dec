namespace DeepSharp.Losses;

public abstract partial class Loss
{
    private static readonly (string[] Names, Func<Loss> Create)[] s_byName =
    [
        (["binary_crossentropy", "bce"], () => new BinaryCrossentropy()),
        (["categorical_crossentropy"], () => new CategoricalCrossentropy()),
        (["sparse_categorical_crossentropy"], () => new SparseCategoricalCrossentropy()),
        (["mean_squared_error", "mse"], () => new MeanSquaredError()),
        (["mean_absolute_error", "mae"], () => new MeanAbsoluteError()),
        (["huber", "huber_loss"], () => new Huber()),
        (["kl_divergence", "kld", "kullback_leibler_divergence"], () => new KLDivergence()),
        (["cosine_similarity"], () => new CosineSimilarity()),
        (["hinge"], () => new Hinge()),
        (["squared_hinge"], () => new SquaredHinge()),
        (["categorical_hinge"], () => new CategoricalHinge()),
        (["log_cosh", "logcosh"], () => new LogCosh()),
        (["poisson"], () => new Poisson()),
        (["mean_squared_logarithmic_error", "msle"], () => new MeanSquaredLogarithmicError()),
        (["mean_absolute_percentage_error", "mape"], () => new MeanAbsolutePercentageError()),
        (["binary_focal_crossentropy"], () => new BinaryFocalCrossentropy()),
        (["categorical_focal_crossentropy"], () => new CategoricalFocalCrossentropy()),
        (["dice"], () => new Dice()),
        (["tversky"], () => new Tversky()),
        (["ctc"], () => new Ctc()),
        (["circle"], () => new Circle()),
    ];

    /// <summary>
    /// A new loss with Keras's defaults from its Keras name, as <c>keras.losses.get</c>: "binary_crossentropy" ("bce"),
    /// "categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error" ("mse"),
    /// "mean_absolute_error" ("mae"), "huber", "kl_divergence" ("kld"), "cosine_similarity", "hinge", "squared_hinge",
    /// "categorical_hinge", "log_cosh", "poisson", "mean_squared_logarithmic_error" ("msle"),
    /// "mean_absolute_percentage_error" ("mape"), "binary_focal_crossentropy", "categorical_focal_crossentropy",
    /// "dice", "tversky", "ctc", "circle". Case and
    /// underscores are ignored, so class names work too ("MeanSquaredError"). Outputs that are logits need
    /// the constructor: <c>new SparseCategoricalCrossentropy(fromLogits: true)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of these; the message lists them.</exception>
    public static Loss FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Key(name);
        foreach (var (names, create) in s_byName)
            if (names.Any(n => Key(n) == key)) return create();
        throw new ArgumentException($"Unknown loss '{TerminalText.Escape(name)}'; known: {string.Join(", ", s_byName.SelectMany(l => l.Names))}. " +
            "A loss of your own derives from Loss (docs/custom.md).", nameof(name));
    }

    /// <summary>
    /// Keras's <c>loss="mse"</c>: a name converts to <see cref="FromName"/>'s loss, so
    /// <c>model.Compile(new Adam(1e-3f), "sparse_categorical_crossentropy")</c> compiles.
    /// </summary>
    public static implicit operator Loss(string name) => FromName(name);

    private static string Key(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
