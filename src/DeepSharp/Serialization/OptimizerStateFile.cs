using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// An <see cref="OptimizerState"/> inside a safetensors file, as checkpoints and model files keep it: the slots as F32
/// tensors "{prefix}{parameter path}/{slot}" and the rest as one JSON metadata string
/// <c>{"name": "adam", "iterations": N, "learning_rate": lr, "scalars": {...}}</c> (doubles written to round-trip exactly,
/// or "NaN", "Infinity", "-Infinity"). A checkpoint reads it as it is (<see cref="CheckpointFile"/>); a model file reads it
/// through <see cref="ReadForModel"/>, which checks every value against the model before anything is restored.
/// </summary>
internal static class OptimizerStateFile
{
    /// <summary>The model file's metadata key for the optimizer's state (Keras's .keras keeps the optimizer's variables too).</summary>
    public const string ModelFileKey = "optimizer_state";
    /// <summary>The prefix of a model file's slot tensors ("optimizer/dense/kernel/momentum"), as in checkpoints.</summary>
    public const string ModelFilePrefix = "optimizer/";
    /// <summary>The most iterations a file may claim (2⁵³: a double counts them exactly).</summary>
    public const long MaxIterations = 1L << 53;
    private const int MaxDepth = 8;

    /// <summary>Adds the slots of <paramref name="state"/> to <paramref name="file"/> under <paramref name="prefix"/> and returns the metadata JSON.</summary>
    public static string Add(SafetensorsFile file, OptimizerState state, string prefix)
    {
        foreach (var (key, t) in state.Tensors) file.Add(prefix + key, t);
        return ToJson(state).ToJsonString();
    }

    /// <summary>The metadata object: name, iterations, learning rate and scalars.</summary>
    public static JsonObject ToJson(OptimizerState state)
    {
        var scalars = new JsonObject();
        foreach (var (name, v) in state.Scalars) scalars[name] = Number(v);
        return new JsonObject
        {
            ["name"] = state.Optimizer,
            ["iterations"] = state.Iterations,
            ["learning_rate"] = Number(state.LearningRate),
            ["scalars"] = scalars,
        };
    }

    /// <summary>Reads the metadata object (slots are added by the caller); throws FormatException-family errors the caller wraps.</summary>
    public static OptimizerState FromJson(JsonObject o, Func<long, string, long> nonNegative)
    {
        var state = new OptimizerState
        {
            Optimizer = (string?)o["name"] ?? throw new FormatException("the optimizer has no name"),
            Iterations = nonNegative((long)o["iterations"]!, "optimizer iterations"),
            LearningRate = (float)ReadNumber(o["learning_rate"]),
        };
        foreach (var (name, v) in (JsonObject)o["scalars"]!) state.Scalars[name] = ReadNumber(v);
        return state;
    }

    /// <summary>
    /// The optimizer state a model file keeps beside its compile config, checked against the model's
    /// <paramref name="parameters"/> and <paramref name="optimizer"/> (the one the compile config made) before anything is restored:
    /// the optimizer's name, iterations in [0, 2⁵³], a finite positive learning rate, finite scalars (Nadam's
    /// u_product in (0, 1], accumulated_steps an integer below gradient_accumulation_steps), and every slot named "{parameter path}/{slot}" for a parameter of the model and a slot
    /// of the optimizer, F32 of the parameter's shape, every value finite and second moments (velocity,
    /// accumulator) not negative — a value the update would turn into NaN.
    /// </summary>
    /// <exception cref="DataFormatException">Any of these fails; the message names the file, the tensor or key, and the value.</exception>
    public static OptimizerState ReadForModel(SafetensorsFile file, string json, IEnumerable<Parameter> parameters, Optimizer optimizer, string path)
    {
        string what = $"Model file '{path}': metadata '{ModelFileKey}'";
        OptimizerState state;
        try
        {
            var utf8 = JsonLimits.Check(json, MaxDepth, what);
            var root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }) as JsonObject
                ?? throw new FormatException("it is not a JSON object");
            state = FromJson(root, (v, name) => v >= 0 && v <= MaxIterations ? v : throw new FormatException($"{name} is {v}; 0 to 2^53 are read"));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or InvalidCastException
            or OverflowException or NullReferenceException or ArgumentException or KeyNotFoundException)
        {
            throw new DataFormatException($"{what}: {e.Message}", e);
        }
        if (state.Optimizer != optimizer.Name)
            throw new DataFormatException($"{what}: it is the state of a '{TerminalText.Escape(state.Optimizer)}' optimizer; the compile config makes '{optimizer.Name}'.");
        if (!float.IsFinite(state.LearningRate) || state.LearningRate <= 0f)
            throw new DataFormatException($"{what}: learning_rate is {state.LearningRate}; a finite positive rate is read.");
        foreach (var (name, v) in state.Scalars)
            if (!double.IsFinite(v) || (name == "u_product" && v is <= 0 or > 1)
                || (name == "accumulated_steps" && !(v >= 0 && v < (optimizer.GradientAccumulationSteps ?? 1) && v == Math.Floor(v))))
                throw new DataFormatException($"{what}: scalar '{TerminalText.Escape(name)}' is {v}, which no {optimizer.Name} optimizer " +
                    $"{(optimizer.GradientAccumulationSteps is { } n ? $"accumulating {n} steps" : "without gradient accumulation")} holds.");

        var slotNames = optimizer.StateSlotNames;
        var byPath = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var p in parameters) byPath.TryAdd(p.Path, p);
        foreach (var entry in file.Unordered)
        {
            if (!entry.Name.StartsWith(ModelFilePrefix, StringComparison.Ordinal)) continue;
            string key = entry.Name[ModelFilePrefix.Length..];
            string shown = TerminalText.Escape(entry.Name);
            int cut = key.LastIndexOf('/');
            string slot = cut < 0 ? "" : key[(cut + 1)..];
            if (cut < 0 || !slotNames.Contains(slot))
                throw new DataFormatException($"Model file '{path}': tensor '{shown}' is not a slot of {optimizer.Name} (slots: {string.Join(", ", slotNames)}).");
            if (!byPath.TryGetValue(key[..cut], out var parameter))
                throw new DataFormatException($"Model file '{path}': optimizer slot '{shown}' belongs to no weight of the model.");
            if (entry.DType != SafetensorsDType.F32 || !SameShape(entry.Shape, parameter.Shape))
                throw new DataFormatException($"Model file '{path}': optimizer slot '{shown}' is {entry.DType.Name()} {entry.ShapeText}; " +
                    $"the weight '{parameter.Path}' needs F32 {parameter.Shape}.");
            var tensor = entry.ToTensor(path);
            var values = tensor.Span;
            bool nonNegative = slot is "velocity" or "accumulator" or "norm" or "accumulated_grad" or "accumulated_delta_var" && optimizer.GetType().Assembly == typeof(OptimizerStateFile).Assembly; // an optimizer of your own names its slots as it likes
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]) || (nonNegative && values[i] < 0f))
                    throw new DataFormatException($"Model file '{path}': optimizer slot '{shown}' holds {values[i].ToString(CultureInfo.InvariantCulture)} " +
                        $"at index {i}; {(nonNegative ? "a second moment must be finite and not negative" : "slots must be finite")}.");
            state.Tensors[key] = tensor;
        }
        return state;
    }

    private static bool SameShape(IReadOnlyList<long> file, Shape shape)
    {
        if (file.Count != shape.Rank) return false;
        for (int i = 0; i < file.Count; i++) if (file[i] != shape[i]) return false;
        return true;
    }

    /// <summary>A double as JSON: a number when finite (written to round-trip exactly), else "NaN", "Infinity" or "-Infinity".</summary>
    public static JsonNode Number(double v) =>
        double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture))!;

    /// <summary>Reads what <see cref="Number"/> wrote.</summary>
    public static double ReadNumber(JsonNode? node)
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
