using System.Text.Json.Nodes;
using DeepSharp.Optimizers.Schedules;

namespace DeepSharp.Training;

/// <summary>
/// An optimizer's learning rate in a model file's compile config, as Keras serializes it: a constant as a number,
/// one of DeepSharp's schedules as <c>{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": ...,
/// "decay_steps": ..., "decay_rate": ..., "staircase": ...}}</c> with Keras's keys. A schedule class of your own is
/// not written (the model then saves without its compile config). Read back through each schedule's constructor,
/// so a value it refuses (a negative rate, zero steps) is an error the caller reports as a DataFormatException.
/// </summary>
internal static class ScheduleConfig
{
    /// <summary>The most boundaries a PiecewiseConstantDecay read from a file may have.</summary>
    public const int MaxBoundaries = 10_000;
    private const int MaxSteps = int.MaxValue;

    /// <summary>The JSON of <paramref name="schedule"/>, or null when it is not one of DeepSharp's own.</summary>
    public static JsonNode? Write(LearningRateSchedule schedule)
    {
        var c = new JsonObject();
        switch (schedule)
        {
            case ConstantLearningRate r: return JsonValue.Create(r.Value);
            case ExponentialDecay e:
                (c["initial_learning_rate"], c["decay_steps"], c["decay_rate"], c["staircase"]) = (e.InitialLearningRate, e.DecaySteps, e.DecayRate, e.Staircase);
                break;
            case InverseTimeDecay e:
                (c["initial_learning_rate"], c["decay_steps"], c["decay_rate"], c["staircase"]) = (e.InitialLearningRate, e.DecaySteps, e.DecayRate, e.Staircase);
                break;
            case PolynomialDecay p:
                (c["initial_learning_rate"], c["decay_steps"], c["end_learning_rate"], c["power"], c["cycle"]) =
                    (p.InitialLearningRate, p.DecaySteps, p.EndLearningRate, p.Power, p.Cycle);
                break;
            case CosineDecay d:
                (c["initial_learning_rate"], c["decay_steps"], c["alpha"], c["warmup_target"], c["warmup_steps"]) =
                    (d.InitialLearningRate, d.DecaySteps, d.Alpha, d.WarmupTarget, d.WarmupSteps);
                break;
            case CosineDecayRestarts d:
                (c["initial_learning_rate"], c["first_decay_steps"], c["t_mul"], c["m_mul"], c["alpha"]) =
                    (d.InitialLearningRate, d.FirstDecaySteps, d.TMul, d.MMul, d.Alpha);
                break;
            case PiecewiseConstantDecay p:
                var boundaries = new JsonArray();
                foreach (long b in p.Boundaries) boundaries.Add((JsonNode)b);
                var values = new JsonArray();
                foreach (float v in p.Values) values.Add((JsonNode)v);
                (c["boundaries"], c["values"]) = (boundaries, values);
                break;
            default:
                if (schedule.GetType().Assembly == typeof(ScheduleConfig).Assembly || IsBuiltIn(schedule.Name)) return null;
                if (string.IsNullOrWhiteSpace(schedule.Name) || schedule.Name.Length > Nn.LayerConfig.MaxString || Nn.Naming.TextProblem(schedule.Name) is not null) return null;
                return new JsonObject { ["class_name"] = schedule.Name, ["config"] = JsonNode.Parse(schedule.GetConfig().ToJsonString()) };
        }
        return new JsonObject { ["class_name"] = schedule.GetType().Name, ["config"] = c };
    }

    /// <summary>The schedule <see cref="Write"/> wrote.</summary>
    /// <exception cref="FormatException">A key is missing, a number is not finite or out of range, or the class is unknown.</exception>
    /// <exception cref="ArgumentException">The schedule's constructor refuses a value.</exception>
    public static LearningRateSchedule Read(JsonNode? node)
    {
        if (node is JsonValue) return new ConstantLearningRate(Finite(node, "learning_rate"));
        var o = node as JsonObject ?? throw new FormatException("'learning_rate' is missing or neither a number nor a schedule object");
        string name = o["class_name"]?.GetValue<string>() ?? throw new FormatException("the learning-rate schedule has no 'class_name'");
        var c = o["config"] as JsonObject ?? throw new FormatException($"schedule '{TerminalText.Escape(name)}' has no 'config' object");
        float F(string key) => Finite(c[key], key);
        int I(string key) => (c[key] ?? throw new FormatException($"schedule setting '{key}' is missing")).GetValue<int>();
        bool B(string key) => (c[key] ?? throw new FormatException($"schedule setting '{key}' is missing")).GetValue<bool>();
        return name switch
        {
            nameof(ExponentialDecay) => new ExponentialDecay(F("initial_learning_rate"), I("decay_steps"), F("decay_rate"), B("staircase")),
            nameof(InverseTimeDecay) => new InverseTimeDecay(F("initial_learning_rate"), I("decay_steps"), F("decay_rate"), B("staircase")),
            nameof(PolynomialDecay) => new PolynomialDecay(F("initial_learning_rate"), I("decay_steps"), F("end_learning_rate"), F("power"), B("cycle")),
            nameof(CosineDecay) => new CosineDecay(F("initial_learning_rate"), I("decay_steps"), F("alpha"),
                c["warmup_target"] is null ? null : F("warmup_target"), I("warmup_steps")),
            nameof(CosineDecayRestarts) => new CosineDecayRestarts(F("initial_learning_rate"), I("first_decay_steps"), F("t_mul"), F("m_mul"), F("alpha")),
            nameof(PiecewiseConstantDecay) => Piecewise(c),
            _ => (LearningRateSchedule)CompileConfig.MakeCustom("schedule", "AddSchedule", name, c),
        };
    }

    private static readonly string[] s_builtIn =
    [
        nameof(ConstantLearningRate), nameof(ExponentialDecay), nameof(InverseTimeDecay), nameof(PolynomialDecay),
        nameof(CosineDecay), nameof(CosineDecayRestarts), nameof(PiecewiseConstantDecay),
    ];

    /// <summary>Whether a schedule class name is DeepSharp's own (read by this class, never from custom objects).</summary>
    public static bool IsBuiltIn(string name) => s_builtIn.Contains(name);

    private static PiecewiseConstantDecay Piecewise(JsonObject c)
    {
        var boundaries = c["boundaries"] as JsonArray ?? throw new FormatException("PiecewiseConstantDecay needs a 'boundaries' list");
        var values = c["values"] as JsonArray ?? throw new FormatException("PiecewiseConstantDecay needs a 'values' list");
        if (boundaries.Count > MaxBoundaries) throw new FormatException($"PiecewiseConstantDecay has {boundaries.Count} boundaries; at most {MaxBoundaries} are read");
        return new PiecewiseConstantDecay(
            [.. boundaries.Select(b => (b ?? throw new FormatException("a boundary is null")).GetValue<long>())],
            [.. values.Take(MaxBoundaries + 2).Select(v => Finite(v, "values"))]);
    }

    private static float Finite(JsonNode? node, string what)
    {
        float v = (node ?? throw new FormatException($"'{what}' is missing")).GetValue<float>();
        return float.IsFinite(v) ? v : throw new FormatException($"'{what}' is {v}, not a finite number");
    }
}
