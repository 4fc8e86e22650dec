using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Serialization;
using DeepSharp.Tensors;

namespace DeepSharp.Federated;

/// <summary>
/// The state of a federated run between two rounds: the global weights, the server optimizer's state,
/// the rounds done (in all and within the running Fit), the rounds' figures so far, and the settings the
/// run must share to resume. As a safetensors file: tensors "global" and, when the server optimizer
/// keeps them, "server/m" and "server/v" (F32); metadata "format" = "deepsharp.federated-checkpoint",
/// "format_version" = "1", JSON strings "position", "rounds", "settings", and "checksum" (SHA-256 of
/// everything else, so a flipped bit is caught, not trained on).
/// </summary>
internal sealed class FederatedCheckpoint
{
    public const string Format = "deepsharp.federated-checkpoint";
    public const string Version = "1";
    private const int MaxDepth = 8;

    /// <summary>Rounds done since the run's start.</summary>
    public int Round { get; init; }

    /// <summary>The federated object's round when the Fit that wrote this began (0 for a fresh one).</summary>
    public int FitStartRound { get; init; }

    public required float[] Global { get; init; }
    public float[]? ServerM { get; init; }
    public float[]? ServerV { get; init; }

    /// <summary>The running Fit's rounds so far, in order.</summary>
    public List<FederatedRound> History { get; init; } = [];

    public SortedDictionary<string, string> Settings { get; init; } = new(StringComparer.Ordinal);

    public void Save(string path)
    {
        var file = new SafetensorsFile();
        file.Add("global", Tensor.FromArray(Global, Global.Length));
        if (ServerM is { } m) file.Add("server/m", Tensor.FromArray(m, m.Length));
        if (ServerV is { } v) file.Add("server/v", Tensor.FromArray(v, v.Length));
        file.Metadata["format"] = Format;
        file.Metadata["format_version"] = Version;
        file.Metadata["position"] = new JsonObject { ["round"] = Round, ["fit_start_round"] = FitStartRound }.ToJsonString();
        var rounds = new JsonArray();
        foreach (var r in History)
        {
            var clients = new JsonArray();
            foreach (int c in r.Clients) clients.Add((JsonNode)c);
            var entry = new JsonObject
            {
                ["round"] = r.Round,
                ["clients"] = clients,
                ["samples"] = r.Samples,
                ["train_loss"] = Number(r.TrainLoss),
                ["validation_loss"] = r.ValidationLoss is { } l ? Number(l) : null,
                ["validation_accuracy"] = r.ValidationAccuracy is { } a ? Number(a) : null,
                ["bytes_down"] = r.BytesDown,
                ["bytes_up"] = r.BytesUp,
                ["seconds"] = Number(r.Seconds),
            };
            if (r.Epsilon is { } epsilon) entry["epsilon"] = Number(epsilon);
            if (r.ClippedClients is { } clipped) entry["clipped"] = clipped;
            rounds.Add((JsonNode)entry);
        }
        file.Metadata["rounds"] = rounds.ToJsonString();
        var settings = new JsonObject();
        foreach (var (k, s) in Settings) settings[k] = s;
        file.Metadata["settings"] = settings.ToJsonString();
        FileChecksum.Sign(file);
        file.Save(path);
    }

    /// <exception cref="DataFormatException">The file is not a federated checkpoint, is corrupt or malformed.</exception>
    public static FederatedCheckpoint Load(string path)
    {
        var file = SafetensorsFile.Load(path);
        string Fail(string what) => throw new DataFormatException($"Federated checkpoint '{path}': {what}");
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            Fail($"not a DeepSharp federated checkpoint (metadata \"format\" is {(format is null ? "missing" : "\"" + SafetensorsHeader.Clip(format) + "\"")}, expected \"{Format}\").");
        if (!file.Metadata.TryGetValue("format_version", out var version) || version != Version)
            Fail($"format version {(version is null ? "missing" : "\"" + SafetensorsHeader.Clip(version) + "\"")} is not supported (this DeepSharp reads \"{Version}\").");
        FileChecksum.Verify(file, path);
        try
        {
            var position = Object(file, "position", path);
            var history = new List<FederatedRound>();
            foreach (var node in Array(file, "rounds", path))
            {
                var r = (JsonObject)node!;
                history.Add(new FederatedRound((int)r["round"]!, [.. ((JsonArray)r["clients"]!).Select(c => (int)c!)], (long)r["samples"]!,
                    ReadNumber(r["train_loss"]), r["validation_loss"] is { } l ? ReadNumber(l) : null,
                    r["validation_accuracy"] is { } a ? ReadNumber(a) : null, (long)r["bytes_down"]!, (long)r["bytes_up"]!, ReadNumber(r["seconds"]),
                    r["epsilon"] is { } e ? ReadNumber(e) : null, r["clipped"] is { } k ? (int)k : null));
            }
            var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in Object(file, "settings", path)) settings[k] = (string?)v ?? Fail($"setting '{k}' is null.");
            var c = new FederatedCheckpoint
            {
                Round = (int)position["round"]!,
                FitStartRound = (int)position["fit_start_round"]!,
                Global = Floats(file, "global", path) ?? throw new DataFormatException($"Federated checkpoint '{path}': it holds no tensor \"global\"."),
                ServerM = Floats(file, "server/m", path),
                ServerV = Floats(file, "server/v", path),
                History = history,
                Settings = settings,
            };
            if (c.Round < 0 || c.FitStartRound < 0 || c.FitStartRound + c.History.Count != c.Round)
                Fail($"position round {c.Round}, Fit start {c.FitStartRound}, with {c.History.Count} rounds of figures, does not add up.");
            foreach (var entry in file.Entries)
                if (entry.Name is not ("global" or "server/m" or "server/v")) Fail($"unexpected tensor '{entry.Name}'.");
            return c;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or FormatException
            or OverflowException or NullReferenceException or ArgumentException or KeyNotFoundException)
        {
            throw new DataFormatException($"Federated checkpoint '{path}': malformed metadata ({e.Message})", e);
        }
    }

    private static float[]? Floats(SafetensorsFile file, string name, string path)
    {
        if (!file.TryGet(name, out var entry)) return null;
        if (entry.DType != SafetensorsDType.F32 || entry.Shape.Count != 1)
            throw new DataFormatException($"Federated checkpoint '{path}': tensor '{name}' is {entry.DType.Name()} {entry.ShapeText}, expected F32 (weights).");
        var values = entry.ToTensor(path).ToArray();
        bool squares = name == "server/v"; // FedAdam's second moments: a negative one is the square root of nothing
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]) || (squares && values[i] < 0f))
                throw new DataFormatException($"Federated checkpoint '{path}': tensor '{name}' holds {values[i]} at {i}; a run saves {(squares ? "finite, non-negative" : "finite")} values only (a diverged round is never saved).");
        return values;
    }

    private static JsonObject Object(SafetensorsFile file, string key, string path) =>
        Parse(file, key, path) as JsonObject ?? throw new FormatException($"metadata \"{key}\" is not a JSON object");

    private static JsonArray Array(SafetensorsFile file, string key, string path) =>
        Parse(file, key, path) as JsonArray ?? throw new FormatException($"metadata \"{key}\" is not a JSON array");

    private static JsonNode? Parse(SafetensorsFile file, string key, string path)
    {
        if (!file.Metadata.TryGetValue(key, out var text)) throw new KeyNotFoundException($"metadata \"{key}\" is missing");
        var utf8 = JsonLimits.Check(text, MaxDepth, $"Federated checkpoint '{path}': metadata \"{key}\"");
        return JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
    }

    /// <summary>A double as JSON: a number when finite (round-trips exactly), else "NaN", "Infinity" or "-Infinity".</summary>
    private static JsonNode Number(double v) =>
        double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture))!;

    private static double ReadNumber(JsonNode? node)
    {
        var value = node as JsonValue ?? throw new FormatException("a number is missing");
        if (value.TryGetValue(out string? text))
            return text switch
            {
                "NaN" => double.NaN,
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                _ => throw new FormatException($"'{text}' is not a number"),
            };
        return value.GetValue<double>();
    }
}
