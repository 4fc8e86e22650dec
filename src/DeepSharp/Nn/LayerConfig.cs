using System.Text;
using System.Text.Json.Nodes;

namespace DeepSharp.Nn;

/// <summary>
/// One layer's config as a factory reads it (<see cref="LayerRegistry"/>): every read checks the
/// JSON kind, refuses null (also inside arrays), numbers that do not fit or are out of range,
/// non-finite floats and strings that are not printable text, and throws a
/// <see cref="DeepSharpException"/> that names the layer and the key. A missing key (or, where a
/// default exists, an explicit null) takes Keras's default.
/// </summary>
/// <remarks>
/// Limits: a size (units, filters, a kernel, stride or dilation, a vocabulary, a dimension of a
/// shape) is 1 to 2^31 − 1; a shape has at most <see cref="MaxRank"/> axes; an axis is within
/// ±<see cref="MaxRank"/>; a string is at most <see cref="MaxString"/> characters. Whether sizes fit
/// each other and the input (in 64-bit arithmetic: convolution geometry, shape sizes, the weights a
/// file holds) is checked when the layer is built, where the message can name the input.
/// </remarks>
internal sealed partial class LayerConfig
{
    /// <summary>The most axes a shape in a config may have.</summary>
    public const int MaxRank = 16;

    /// <summary>The longest string a config value may hold (names, activations, modes).</summary>
    public const int MaxString = 256;

    private readonly JsonObject _config;
    private readonly string? _where;

    /// <param name="config">The JSON object to read.</param>
    /// <param name="type">The layer type (or, for a nested object, its class name).</param>
    /// <param name="where">What errors name instead of the layer ("Regularizer L2"), for configs nested in a layer's.</param>
    public LayerConfig(JsonObject config, string type, string? where = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _where = where;
        Type = type;
        Name = Has("name") ? ReadString("name", _config["name"]) : null;
    }

    /// <summary>The layer type (Keras's class name) the config is read for.</summary>
    public string Type { get; }

    /// <summary>The layer's name from the config, if any.</summary>
    public string? Name { get; }

    /// <summary>The raw JSON (for configs that hold other configs, as Bidirectional's).</summary>
    public JsonObject Json => _config;

    /// <summary>Whether the key is present with a value other than null.</summary>
    public bool Has(string key) => _config[key] is not null;

    /// <summary>An error naming the layer and <paramref name="key"/>.</summary>
    public DeepSharpException Error(string key, string problem) =>
        new($"{Where}: config key '{key}' {problem}.");

    private string Where => _where ?? (Name is null ? $"Layer type {Type}" : $"Layer '{Name}' ({Type})");

    // ---- integers ----

    /// <summary>A required integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int RequiredInt(string key, int min, int max) =>
        _config[key] is { } node ? ReadInt(key, node, min, max) : throw Error(key, "is missing");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when missing or null.</summary>
    public int Int(string key, int fallback, int min, int max) =>
        _config[key] is { } node ? ReadInt(key, node, min, max) : fallback;

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or null when missing or null.</summary>
    public int? OptionalInt(string key, int min, int max) =>
        _config[key] is { } node ? ReadInt(key, node, min, max) : null;

    /// <summary>A required size in [1, 2^31 − 1].</summary>
    public int RequiredSize(string key) => RequiredInt(key, 1, int.MaxValue);

    /// <summary>A size in [1, 2^31 − 1], or null when missing or null.</summary>
    public int? OptionalSize(string key) => OptionalInt(key, 1, int.MaxValue);

    /// <summary>One size, written as n or [n] (Keras's 1-D kernel_size, strides, dilation_rate).</summary>
    public int OneSize(string key, int? fallback)
    {
        var node = _config[key];
        if (node is null) return fallback ?? throw Error(key, "is missing");
        if (node is JsonArray array)
        {
            if (array.Count != 1) throw Error(key, $"must be one integer or a list of one, got {Show(node)}");
            return ReadInt(key, array[0], 1, int.MaxValue);
        }
        return ReadInt(key, node, 1, int.MaxValue);
    }

    /// <summary>Two sizes, written as n (both) or [a, b] (Keras's 2-D kernel_size, pool_size, strides, dilation_rate).</summary>
    public (int, int) Pair(string key, (int, int)? fallback) =>
        OptionalPair(key) ?? fallback ?? throw Error(key, "is missing");

    /// <summary>As <see cref="Pair"/>, or null when missing or null.</summary>
    public (int, int)? OptionalPair(string key)
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is JsonArray array)
        {
            if (array.Count != 2) throw Error(key, $"must hold two integers, got {Show(node)}");
            return (ReadInt(key, array[0], 1, int.MaxValue), ReadInt(key, array[1], 1, int.MaxValue));
        }
        int both = ReadInt(key, node, 1, int.MaxValue);
        return (both, both);
    }

    /// <summary>
    /// A per-sample shape (no batch axis): a list of at most <see cref="MaxRank"/> sizes, or null when
    /// missing. With <paramref name="batchAxis"/> the list starts with the batch axis (null or a size), which is dropped.
    /// </summary>
    public int[]? Shape(string key, bool batchAxis = false)
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is not JsonArray array) throw Error(key, $"must be a list of sizes, got {Show(node)}");
        int skip = batchAxis ? 1 : 0;
        if (array.Count < skip || array.Count - skip > MaxRank)
            throw Error(key, $"must hold {(batchAxis ? "the batch axis and " : "")}at most {MaxRank} sizes, got {Show(node)}");
        if (batchAxis && array[0] is not null) ReadInt(key, array[0], 1, int.MaxValue);
        var dims = new int[array.Count - skip];
        for (int i = 0; i < dims.Length; i++)
        {
            if (array[i + skip] is null)
                throw Error(key, $"has an unknown (null) dimension in {Show(node)}; only the batch axis may be unknown");
            dims[i] = ReadInt(key, array[i + skip], 1, int.MaxValue);
        }
        return dims;
    }

    /// <summary>Reshape's target: 1 to <see cref="MaxRank"/> sizes, one of which may be −1 (inferred).</summary>
    public int[] TargetShape(string key)
    {
        var node = _config[key] ?? throw Error(key, "is missing");
        if (node is not JsonArray array || array.Count < 1 || array.Count > MaxRank)
            throw Error(key, $"must be a list of 1 to {MaxRank} sizes (one may be -1), got {Show(node)}");
        var dims = new int[array.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = ReadInt(key, array[i], -1, int.MaxValue);
            if (dims[i] == 0) throw Error(key, $"has a zero size in {Show(node)}");
        }
        return dims;
    }

    /// <summary>
    /// Axes (counted with the batch axis, −1 the last): one integer or a list of 1 to
    /// <see cref="MaxRank"/> of them, each within ±<see cref="MaxRank"/>; null when missing.
    /// </summary>
    public int[]? Axes(string key)
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is not JsonArray array) return [ReadInt(key, node, -MaxRank, MaxRank)];
        if (array.Count < 1 || array.Count > MaxRank) throw Error(key, $"must hold 1 to {MaxRank} axes, got {Show(node)}");
        var axes = new int[array.Count];
        for (int i = 0; i < axes.Length; i++) axes[i] = ReadInt(key, array[i], -MaxRank, MaxRank);
        return axes;
    }

    /// <summary>An axis within ±<see cref="MaxRank"/>, or <paramref name="fallback"/> when missing.</summary>
    public int Axis(string key, int fallback) => Int(key, fallback, -MaxRank, MaxRank);

    /// <summary>A seed (any 64-bit integer), or null when missing.</summary>
    public long? Seed(string key = "seed")
    {
        var node = _config[key];
        if (node is null) return null;
        return node is JsonValue v && Integer(v) is { } seed ? seed : throw Error(key, $"must be a 64-bit integer, got {Show(node)}");
    }

    // ---- floats, booleans, strings ----

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when missing or null.</summary>
    public float Float(string key, float fallback, float min = float.MinValue, float max = float.MaxValue) =>
        _config[key] is { } node ? ReadFloat(key, node, min, max) : fallback;

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], or null when missing or null.</summary>
    public float? OptionalFloat(string key, float min = float.MinValue, float max = float.MaxValue) =>
        _config[key] is { } node ? ReadFloat(key, node, min, max) : null;

    /// <summary>A required finite number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public float RequiredFloat(string key, float min = float.MinValue, float max = float.MaxValue) =>
        _config[key] is { } node ? ReadFloat(key, node, min, max) : throw Error(key, "is missing");

    /// <summary>A rate in [0, 1) (dropout), or <paramref name="fallback"/> when missing.</summary>
    public float Rate(string key, float fallback)
    {
        float rate = Float(key, fallback, 0f, 1f);
        return rate < 1f ? rate : throw Error(key, $"must be in [0, 1), got {rate}");
    }

    /// <summary>
    /// Keras's augmentation factor: a number f is (−|f|, |f|), a list [lower, upper] is itself (lower ≤ upper);
    /// each within ±<paramref name="limit"/>. <paramref name="fallback"/> when missing or null.
    /// </summary>
    public (float Lower, float Upper) Range(string key, (float, float) fallback, float limit) =>
        OptionalRange(key, limit) ?? fallback;

    /// <summary>As <see cref="Range"/>, or null when missing or null.</summary>
    public (float Lower, float Upper)? OptionalRange(string key, float limit)
    {
        var node = _config[key];
        if (node is null) return null;
        if (node is JsonArray array)
        {
            if (array.Count != 2) throw Error(key, $"must be a number or [lower, upper], got {Show(node)}");
            float lower = ReadFloat(key, array[0], -limit, limit), upper = ReadFloat(key, array[1], -limit, limit);
            if (!(lower <= upper)) throw Error(key, $"needs lower ≤ upper, got {Show(node)}");
            return (lower, upper);
        }
        float f = Math.Abs(ReadFloat(key, node, -limit, limit));
        return (-f, f);
    }

    /// <summary>A boolean, or <paramref name="fallback"/> when missing or null.</summary>
    public bool Bool(string key, bool fallback)
    {
        var node = _config[key];
        if (node is null) return fallback;
        return node is JsonValue v && v.TryGetValue(out bool value) ? value : throw Error(key, $"must be true or false, got {Show(node)}");
    }

    /// <summary>A string, or <paramref name="fallback"/> when missing or null.</summary>
    public string String(string key, string fallback) =>
        _config[key] is { } node ? ReadString(key, node) : fallback;

    /// <summary>A string, or null when missing or null.</summary>
    public string? OptionalString(string key) =>
        _config[key] is { } node ? ReadString(key, node) : null;

    /// <summary>
    /// A named option (an activation, initializer, padding, mode): the string, or <paramref name="fallback"/>
    /// when missing, given to <paramref name="parse"/>; an unknown name is an error naming the key.
    /// </summary>
    public T Named<T>(string key, string fallback, Func<string, T> parse)
    {
        string name = String(key, fallback);
        try
        {
            return parse(name);
        }
        catch (Exception e) when (e is DeepSharpException or ArgumentException)
        {
            throw new DeepSharpException($"{Where}: config key '{key}': {e.Message}", e);
        }
    }

    /// <summary>
    /// An activation by Keras name (missing or null: <paramref name="fallback"/>; "linear" or "" is the identity),
    /// or as a Keras function or activation layer object (see <see cref="Nn.Activation.FromConfig"/>).
    /// </summary>
    public Activation Activation(string key, string fallback = "linear")
    {
        var node = _config[key];
        if (node is null || node is JsonValue v && v.TryGetValue(out string? _)) return Named(key, fallback, Nn.Activation.FromKerasName);
        try
        {
            return Nn.Activation.FromConfig(node);
        }
        catch (DeepSharpException e)
        {
            throw new DeepSharpException($"{Where}: config key '{key}' {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>
    /// An initializer by Keras name, or in Keras 3's serialized form (an object with class_name and
    /// config); missing or null: <paramref name="fallback"/>.
    /// </summary>
    public Initializer Initializer(string key, string fallback)
    {
        if (_config[key] is not JsonObject) return Named(key, fallback, Nn.Initializer.FromName);
        try
        {
            return Nn.Initializer.FromJson(_config[key]!);
        }
        catch (DeepSharpException e)
        {
            throw new DeepSharpException($"{Where}: config key '{key}': {e.Message}", e);
        }
    }

    /// <summary>"valid" (the default), "same" or "causal"; the layer that reads it refuses what it does not take.</summary>
    public Padding Padding(string key = "padding") => Named(key, "valid", PaddingNames.Parse);

    /// <summary>A nested JSON object (a wrapped layer's config), or null when missing or null.</summary>
    public JsonObject? Object(string key)
    {
        var node = _config[key];
        if (node is null) return null;
        return node as JsonObject ?? throw Error(key, $"must be an object, got {Show(node)}");
    }

    /// <summary>Whether a boolean key is set to true (a feature DeepSharp refuses, e.g. stateful).</summary>
    public bool IsTrue(string key) => Bool(key, false);

    // ---- readers ----

    private int ReadInt(string key, JsonNode? node, int min, int max)
    {
        if (node is JsonValue v && Integer(v) is { } value)
        {
            if (value < min || value > max) throw Error(key, $"must be an integer {RangeText(min, max)}, got {value}");
            return (int)value;
        }
        throw Error(key, $"must be {(max == int.MaxValue && min == int.MinValue ? "an integer" : $"an integer {RangeText(min, max)}")}, got {(node is null ? "null" : Show(node))}");
    }

    private float ReadFloat(string key, JsonNode? node, float min, float max)
    {
        if (node is JsonValue v && Number(v) is { } value)
        {
            if (!double.IsFinite(value) || value < min || value > max)
                throw Error(key, $"must be a finite number{(RangeText(min, max) is { Length: > 0 } range ? " " + range : "")}, got {Show(node)}");
            return (float)value;
        }
        throw Error(key, $"must be a number, got {(node is null ? "null" : Show(node))}");
    }

    private string ReadString(string key, JsonNode? node)
    {
        string? s = null;
        try
        {
            if (node is JsonValue v && v.TryGetValue(out string? text)) s = text;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped lone surrogate into a string.
        }
        if (s is null) throw Error(key, $"must be a string, got {(node is null ? "null" : Show(node))}");
        if (s.Length > MaxString) throw Error(key, $"is a string of {s.Length} characters, more than {MaxString}");
        if (Naming.TextProblem(s) is { } problem) throw Error(key, problem);
        return s;
    }

    /// <summary>
    /// A whole number as a long: from parsed JSON (a number token without fraction or exponent that
    /// fits) or from a config built in memory (int, long); null for anything else.
    /// </summary>
    private static long? Integer(JsonValue v)
    {
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out long l)) return l;
        return null;
    }

    /// <summary>A number from parsed JSON or from a config built in memory (float, double, int, long); null otherwise.</summary>
    private static double? Number(JsonValue v)
    {
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out float f)) return f;
        return Integer(v);
    }

    private static string RangeText(float min, float max) =>
        (min, max) switch
        {
            (float.MinValue, float.MaxValue) => "",
            (_, float.MaxValue) => $"≥ {min}",
            (float.MinValue, _) => $"≤ {max}",
            _ => $"in [{min}, {max}]",
        };

    private static string RangeText(int min, int max) =>
        max == int.MaxValue ? $"≥ {min}" : $"in [{min}, {max}]";

    /// <summary>A JSON value for a message: escaped by the serializer (no control characters), at most 80 characters.</summary>
    private static string Show(JsonNode node)
    {
        string json;
        try
        {
            json = node.ToJsonString();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return "an unreadable value";
        }
        return json.Length <= 80 ? json : new StringBuilder(json, 0, 77, 80).Append("...").ToString();
    }
}
