using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// A <see cref="Checkpoint"/> as a safetensors file. Tensors: "model/{path}" (weights, F32),
/// "optimizer/{path}/{slot}" (F32), "rng/{role}" (I32 (4): a generator's state words), "data/order"
/// (I32 (samples)). Metadata: "format" = "deepsharp.checkpoint", "format_version" = "1", and JSON
/// strings "position", "optimizer", "epoch_logs", "history", "settings" (<c>{"fit": {...}, "run": {...}}</c>,
/// strings by name; absent in older checkpoints), plus "checksum", the SHA-256 of
/// everything else (<see cref="FileChecksum"/>), so a flipped bit is caught, not trained on.
/// </summary>
internal static class CheckpointFile
{
    public const string Format = "deepsharp.checkpoint";
    public const string Version = "1";

    private const string ModelPrefix = "model/", OptimizerPrefix = "optimizer/", RngPrefix = "rng/", OrderName = "data/order";

    public static SafetensorsFile ToFile(Checkpoint c)
    {
        var file = new SafetensorsFile();
        foreach (var (path, w) in c.Weights) file.Add(ModelPrefix + path, w);
        OptimizerStateFile.Add(file, c.Optimizer, OptimizerPrefix);
        foreach (var (role, state) in c.Generators)
            file.Add(RngPrefix + role, Tensor.Wrap(Array.ConvertAll(state, v => unchecked((int)v)), state.Length));
        if (c.DataOrder is { } order) file.Add(OrderName, Tensor.FromArray(order, order.Length));

        file.Metadata["format"] = Format;
        file.Metadata["format_version"] = Version;
        file.Metadata["position"] = new JsonObject
        {
            ["epoch"] = c.Epoch,
            ["step"] = c.Step,
            ["total_steps"] = c.TotalSteps,
            ["pass_batch"] = c.PassBatch,
        }.ToJsonString();
        file.Metadata["optimizer"] = OptimizerStateFile.ToJson(c.Optimizer).ToJsonString();
        var metrics = new JsonObject();
        foreach (var (name, totals) in c.Metrics) metrics[name] = Numbers(totals);
        file.Metadata["epoch_logs"] = new JsonObject
        {
            ["loss_sum"] = Number(c.LossSum),
            ["loss_count"] = c.LossCount,
            ["metrics"] = metrics,
        }.ToJsonString();
        var epochs = new JsonArray();
        foreach (int e in c.HistoryEpochs) epochs.Add((JsonNode)e);
        var values = new JsonObject();
        foreach (var (name, list) in c.History) values[name] = Numbers(list);
        file.Metadata["history"] = new JsonObject { ["epoch"] = epochs, ["history"] = values }.ToJsonString();
        if (c.FitSettings is not null || c.RunSettings is not null)
            file.Metadata["settings"] = new JsonObject { ["fit"] = Strings(c.FitSettings), ["run"] = Strings(c.RunSettings) }.ToJsonString();
        FileChecksum.Sign(file);
        return file;
    }

    public static Checkpoint FromFile(SafetensorsFile file, string source)
    {
        string Fail(string what) => throw new DataFormatException($"Checkpoint '{source}': {what}");
        if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
            Fail($"not a DeepSharp checkpoint (metadata \"format\" is {Quote(format)}, expected \"{Format}\").");
        if (!file.Metadata.TryGetValue("format_version", out var version) || version != Version)
            Fail($"format version {Quote(version)} is not supported (this DeepSharp reads \"{Version}\").");
        FileChecksum.Verify(file, source);
        try
        {
            var position = Object(file, "position", source);
            var optimizer = Object(file, "optimizer", source);
            var logs = Object(file, "epoch_logs", source);
            var history = Object(file, "history", source);

            var state = OptimizerStateFile.FromJson(optimizer, (v, what) => NonNegative(v, what, source));

            var c = new Checkpoint
            {
                Epoch = (int)NonNegative((int)position["epoch"]!, "epoch", source),
                Step = (int)NonNegative((int)position["step"]!, "step", source),
                TotalSteps = NonNegative((long)position["total_steps"]!, "total_steps", source),
                PassBatch = position["pass_batch"] is { } pb ? (int)NonNegative((int)pb, "pass_batch", source) : null,
                Optimizer = state,
                LossSum = ReadNumber(logs["loss_sum"]),
                LossCount = NonNegative((long)logs["loss_count"]!, "loss_count", source),
            };
            foreach (var (name, v) in (JsonObject)logs["metrics"]!) c.Metrics[name] = [.. ReadNumbers(v)];
            foreach (var e in (JsonArray)history["epoch"]!) c.HistoryEpochs.Add((int)NonNegative((int)e!, "history epoch", source));
            foreach (var (name, v) in (JsonObject)history["history"]!)
            {
                var list = ReadNumbers(v);
                if (list.Count != c.HistoryEpochs.Count) Fail($"history '{name}' has {list.Count} values for {c.HistoryEpochs.Count} epochs.");
                c.History[name] = list;
            }
            if (file.Metadata.ContainsKey("settings"))
            {
                var settings = Object(file, "settings", source);
                (c.FitSettings, c.RunSettings) = (ReadStrings(settings["fit"]), ReadStrings(settings["run"]));
            }
            ReadTensors(file, c, source);
            return c;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or FormatException
            or OverflowException or NullReferenceException or ArgumentException or KeyNotFoundException)
        {
            throw new DataFormatException($"Checkpoint '{source}': malformed metadata ({e.Message})", e);
        }
    }

    private static void ReadTensors(SafetensorsFile file, Checkpoint c, string source)
    {
        foreach (var entry in file.Entries)
        {
            string name = entry.Name;
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal))
                c.Weights[name[ModelPrefix.Length..]] = Float(entry, source);
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                c.Optimizer.Tensors[name[OptimizerPrefix.Length..]] = Float(entry, source);
            else if (name.StartsWith(RngPrefix, StringComparison.Ordinal))
            {
                if (entry.DType != SafetensorsDType.I32 || entry.Shape.Count != 1 || entry.Shape[0] != 4)
                    throw new DataFormatException($"Checkpoint '{source}': generator state '{name}' is {entry.DType.Name()} {entry.ShapeText}, expected I32 (4).");
                var words = Array.ConvertAll(entry.ToTensor(source).IntSpan.ToArray(), v => unchecked((uint)v));
                if ((words[0] | words[1] | words[2] | words[3]) == 0)
                    throw new DataFormatException($"Checkpoint '{source}': generator state '{name}' is all zero, which no generator can be in.");
                c.Generators[name[RngPrefix.Length..]] = words;
            }
            else if (name == OrderName)
            {
                if (entry.DType != SafetensorsDType.I32 || entry.Shape.Count != 1)
                    throw new DataFormatException($"Checkpoint '{source}': '{name}' is {entry.DType.Name()} {entry.ShapeText}, expected I32 (samples).");
                c.DataOrder = entry.ToTensor(source).IntSpan.ToArray();
            }
            else throw new DataFormatException($"Checkpoint '{source}': unexpected tensor '{name}'.");
        }
    }

    private static Tensor Float(SafetensorsEntry entry, string source) =>
        entry.DType == SafetensorsDType.F32 ? entry.ToTensor(source)
        : throw new DataFormatException($"Checkpoint '{source}': tensor '{entry.Name}' is {entry.DType.Name()}, expected F32.");

    private static JsonObject Object(SafetensorsFile file, string key, string source)
    {
        if (!file.Metadata.TryGetValue(key, out var text)) throw new KeyNotFoundException($"metadata \"{key}\" is missing");
        var utf8 = JsonLimits.Check(text, MaxDepth, $"Checkpoint '{source}': metadata \"{key}\"");
        return JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }) as JsonObject
            ?? throw new FormatException($"metadata \"{key}\" is not a JSON object");
    }

    private const int MaxDepth = 8;

    private static long NonNegative(long value, string what, string source) =>
        value >= 0 ? value : throw new DataFormatException($"Checkpoint '{source}': {what} is {value}, must not be negative.");

    private static JsonNode Number(double v) => OptimizerStateFile.Number(v);

    private static JsonArray Numbers(IEnumerable<double> values)
    {
        var array = new JsonArray();
        foreach (double v in values) array.Add(Number(v));
        return array;
    }

    private static double ReadNumber(JsonNode? node) => OptimizerStateFile.ReadNumber(node);

    private static List<double> ReadNumbers(JsonNode? node)
    {
        var list = new List<double>();
        foreach (var v in (JsonArray)node!) list.Add(ReadNumber(v));
        return list;
    }

    private static JsonNode? Strings(SortedDictionary<string, string>? values)
    {
        if (values is null) return null;
        var o = new JsonObject();
        foreach (var (k, v) in values) o[k] = v;
        return o;
    }

    private static SortedDictionary<string, string>? ReadStrings(JsonNode? node)
    {
        if (node is null) return null;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in (JsonObject)node) result[k] = v!.GetValue<string>();
        return result;
    }

    private static string Quote(string? s) => s is null ? "missing" : $"\"{s}\"";
}
