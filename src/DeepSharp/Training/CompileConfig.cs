using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;

namespace DeepSharp.Training;

/// <summary>
/// Keras's compile_config in a model file (metadata <see cref="Key"/>): the optimizer (class and settings), one loss
/// per output (null: not trained), the loss weights and each output's plain and weighted metrics, each as
/// <c>{"class_name": "Adam", "config": {...}}</c>, so that <see cref="Model.Load(string)"/> gives back a compiled model.
/// The optimizer must be DeepSharp's own, the learning rate a number or one of DeepSharp's schedules
/// (<see cref="ScheduleConfig"/>, Keras's serialized schedule), or the model is saved without compile settings and loads
/// uncompiled. Losses and metrics of your own are written by their <c>ClassName</c> and <c>GetConfig()</c>, and read back
/// only through <see cref="CustomObjects"/> (<see cref="CustomCompileObjects"/>): a load without them names the missing class. The optimizer's state (moments, iterations) is kept beside it
/// (<see cref="Serialization.OptimizerStateFile"/>), so Save, Load and Fit continue as the uninterrupted run.
/// Read back with the bounds of every metadata string; a hostile value is a <see cref="DataFormatException"/>.
/// </summary>
internal static partial class CompileConfig
{
    /// <summary>The model file's metadata key.</summary>
    public const string Key = Serialization.ModelFileFormat.CompileConfigKey;
    private const int MaxDepth = 8, MaxMetricsPerOutput = 64;

    /// <summary>The compile config of <paramref name="trainer"/>, or null when a part of it cannot be written.</summary>
    public static string? Write(Trainer trainer, int outputs)
    {
        var optimizer = WriteOptimizer(trainer.Optimizer);
        if (optimizer is null) return null;
        var losses = new JsonArray();
        foreach (var loss in trainer.Losses)
        {
            if (loss is null) { losses.Add((JsonNode?)null); continue; }
            var written = WriteLoss(loss);
            if (written is null) return null;
            losses.Add((JsonNode)written);
        }
        var plain = WriteMetrics(trainer, outputs, MetricRole.Plain);
        var weighted = WriteMetrics(trainer, outputs, MetricRole.Weighted);
        if (plain is null || weighted is null) return null;
        JsonArray? lossWeights = null;
        if (trainer.LossWeights is { } w)
        {
            lossWeights = new JsonArray();
            foreach (float x in w) lossWeights.Add((JsonNode)x);
        }
        return new JsonObject
        {
            ["optimizer"] = optimizer,
            ["loss"] = losses,
            ["loss_weights"] = lossWeights,
            ["metrics"] = plain,
            ["weighted_metrics"] = weighted,
        }.ToJsonString();
    }

    /// <summary>Compiles <paramref name="model"/> as the file's compile config says.</summary>
    /// <exception cref="DataFormatException">The config is malformed, names a class DeepSharp does not have, or holds a setting its class refuses.</exception>
    public static void Read(Model model, string json, string path)
    {
        string what = $"Model file '{path}': metadata '{Key}'";
        try
        {
            var utf8 = JsonLimits.Check(json, MaxDepth, what);
            var root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }) as JsonObject
                ?? throw new FormatException("it is not a JSON object");
            int outputs = model.OutputCount;
            var optimizer = ReadOptimizer(Required(root, "optimizer"));
            var lossList = Array(Required(root, "loss"), "loss", outputs);
            var losses = new Loss?[outputs];
            for (int i = 0; i < outputs; i++) losses[i] = lossList[i] is null ? null : ReadLoss(lossList[i]!);
            float[]? lossWeights = null;
            if (root["loss_weights"] is { } weights)
            {
                var list = Array(weights, "loss_weights", outputs);
                lossWeights = new float[outputs];
                for (int i = 0; i < outputs; i++) lossWeights[i] = Finite(list[i], "loss_weights");
            }
            var plain = ReadMetrics(Required(root, "metrics"), "metrics", outputs);
            var weighted = ReadMetrics(Required(root, "weighted_metrics"), "weighted_metrics", outputs);
            model.Compile(optimizer, losses, lossWeights, plain, weighted);
        }
        catch (MissingCustomObjectException e) { throw new MissingCustomObjectException(e.Kind, e.ClassName, $"{what}: {e.Message}"); }
        catch (FormatException e) when (e.InnerException is MissingCustomObjectException m) { throw new MissingCustomObjectException(m.Kind, m.ClassName, $"{what}: {m.Message}"); }
        catch (DataFormatException) { throw; }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or InvalidCastException
            or ArgumentException or OverflowException or KeyNotFoundException)
        {
            throw new DataFormatException($"{what}: {e.Message}", e);
        }
    }

    private static JsonObject? WriteOptimizer(Optimizer o)
    {
        if (ScheduleConfig.Write(o.Schedule) is not { } rate) return null;
        var c = new JsonObject { ["learning_rate"] = rate };
        switch (o)
        {
            case Sgd s when o.GetType() == typeof(Sgd): (c["momentum"], c["nesterov"]) = (s.Momentum, s.Nesterov); break;
            case AdamW a: (c["beta_1"], c["beta_2"], c["epsilon"]) = (a.Beta1, a.Beta2, a.Epsilon); break;
            case Adam a when o.GetType() == typeof(Adam): (c["beta_1"], c["beta_2"], c["epsilon"]) = (a.Beta1, a.Beta2, a.Epsilon); break;
            case Nadam n: (c["beta_1"], c["beta_2"], c["epsilon"]) = (n.Beta1, n.Beta2, n.Epsilon); break;
            case RmsProp r: (c["rho"], c["momentum"], c["epsilon"], c["centered"]) = (r.Rho, r.Momentum, r.Epsilon, r.Centered); break;
            case Adagrad g: (c["initial_accumulator_value"], c["epsilon"]) = (g.InitialAccumulatorValue, g.Epsilon); break;
            case Adamax a: (c["beta_1"], c["beta_2"], c["epsilon"]) = (a.Beta1, a.Beta2, a.Epsilon); break;
            case Adadelta d: (c["rho"], c["epsilon"]) = (d.Rho, d.Epsilon); break;
            case Lion l: (c["beta_1"], c["beta_2"]) = (l.Beta1, l.Beta2); break;
            case Ftrl f:
                (c["learning_rate_power"], c["initial_accumulator_value"], c["l1_regularization_strength"]) = (f.LearningRatePower, f.InitialAccumulatorValue, f.L1RegularizationStrength);
                (c["l2_regularization_strength"], c["l2_shrinkage_regularization_strength"], c["beta"]) = (f.L2RegularizationStrength, f.L2ShrinkageRegularizationStrength, f.Beta);
                break;
            default:
                if (IsOwn(o) || Custom(o.ClassName, o.GetConfig(), "optimizer", IsBuiltInOptimizer) is not { } custom) return null;
                var settings = (JsonObject)custom["config"]!;
                settings["learning_rate"] = rate.DeepClone();
                (settings["clipnorm"], settings["clipvalue"], settings["global_clipnorm"], settings["weight_decay"]) = (o.ClipNorm, o.ClipValue, o.GlobalClipNorm, o.WeightDecay);
                settings["gradient_accumulation_steps"] = o.GradientAccumulationSteps;
                return custom;
        }
        (c["clipnorm"], c["clipvalue"], c["global_clipnorm"], c["weight_decay"]) = (o.ClipNorm, o.ClipValue, o.GlobalClipNorm, o.WeightDecay);
        c["gradient_accumulation_steps"] = o.GradientAccumulationSteps;
        return new JsonObject { ["class_name"] = o.GetType().Name, ["config"] = c };
    }

    private static Optimizer ReadOptimizer(JsonNode node)
    {
        var (name, c) = Class(node, "optimizer");
        var optimizer = ReadOptimizerClass(name, c);
        optimizer.GradientAccumulationSteps = AccumulationSteps(c);
        return optimizer;
    }

    /// <summary>Keras's <c>gradient_accumulation_steps</c>: absent or null (files written before it existed), or an integer ≥ 2.</summary>
    private static int? AccumulationSteps(JsonObject c)
    {
        if (c["gradient_accumulation_steps"] is not { } node) return null;
        double n = node.GetValue<double>();
        if (!(n >= 2 && n <= int.MaxValue && n == Math.Floor(n)))
            throw new FormatException($"optimizer setting 'gradient_accumulation_steps' is {n}; an integer of at least 2 (or null) is read");
        return (int)n;
    }

    private static Optimizer ReadOptimizerClass(string name, JsonObject c)
    {
        float? clipNorm = Optional(c, "clipnorm"), clipValue = Optional(c, "clipvalue"), global = Optional(c, "global_clipnorm"), decay = Optional(c, "weight_decay");
        if (!IsBuiltInOptimizer(name)) return CustomOptimizer(name, c, clipNorm, clipValue, global, decay); // named before its schedule
        LearningRateSchedule lr = ScheduleConfig.Read(c["learning_rate"]);
        float F(string key) => Finite(c[key], key);
        bool B(string key) => (c[key] ?? throw new FormatException($"optimizer setting '{key}' is missing")).GetValue<bool>();
        return name switch
        {
            nameof(Sgd) => new Sgd(lr, F("momentum"), B("nesterov")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Adam) => new Adam(lr, F("beta_1"), F("beta_2"), F("epsilon")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(AdamW) => new AdamW(lr, decay ?? throw new FormatException("AdamW needs 'weight_decay'"), F("beta_1"), F("beta_2"), F("epsilon"))
            { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global },
            nameof(Nadam) => new Nadam(lr, F("beta_1"), F("beta_2"), F("epsilon")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(RmsProp) => new RmsProp(lr, F("rho"), F("momentum"), F("epsilon"), B("centered")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Adagrad) => new Adagrad(lr, F("initial_accumulator_value"), F("epsilon")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Adamax) => new Adamax(lr, F("beta_1"), F("beta_2"), F("epsilon")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Adadelta) => new Adadelta(lr, F("rho"), F("epsilon")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Lion) => new Lion(lr, F("beta_1"), F("beta_2")) { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            nameof(Ftrl) => new Ftrl(lr, F("learning_rate_power"), F("initial_accumulator_value"), F("l1_regularization_strength"), F("l2_regularization_strength"),
                F("l2_shrinkage_regularization_strength"), F("beta"))
            { ClipNorm = clipNorm, ClipValue = clipValue, GlobalClipNorm = global, WeightDecay = decay },
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>An optimizer of your own from the open custom objects, given its file's clipping and weight decay.</summary>
    private static Optimizer CustomOptimizer(string name, JsonObject c, float? clipNorm, float? clipValue, float? global, float? decay)
    {
        var optimizer = (Optimizer)MakeCustom("optimizer", "AddOptimizer", name, c);
        optimizer.RestoreCommonSettings(clipNorm, clipValue, global, decay);
        return optimizer;
    }

    private static readonly string[] s_builtInOptimizers = [nameof(Sgd), nameof(Adam), nameof(AdamW), nameof(Nadam), nameof(RmsProp), nameof(Adagrad),
        nameof(Adamax), nameof(Adadelta), nameof(Lion), nameof(Ftrl)];

    /// <summary>Whether a compile config's optimizer class name is DeepSharp's own.</summary>
    public static bool IsBuiltInOptimizer(string name) => s_builtInOptimizers.Contains(name);

    private static JsonObject? WriteLoss(Loss loss)
    {
        var c = new JsonObject();
        switch (loss)
        {
            case BinaryCrossentropy b: (c["from_logits"], c["label_smoothing"], c["axis"]) = (b.FromLogits, b.LabelSmoothing, b.Axis); break;
            case CategoricalCrossentropy b: (c["from_logits"], c["label_smoothing"], c["axis"]) = (b.FromLogits, b.LabelSmoothing, b.Axis); break;
            case CosineSimilarity b: c["axis"] = b.Axis; break;
            case SparseCategoricalCrossentropy b:
                (c["from_logits"], c["label_smoothing"], c["ignore_class"], c["axis"]) = (b.FromLogits, b.LabelSmoothing, b.IgnoreClass, b.Axis);
                break;
            case Huber h: c["delta"] = h.Delta; break;
            case Losses.BinaryFocalCrossentropy f:
                (c["apply_class_balancing"], c["alpha"], c["gamma"]) = (f.ApplyClassBalancing, f.Alpha, f.Gamma);
                (c["from_logits"], c["label_smoothing"], c["axis"]) = (f.FromLogits, f.LabelSmoothing, f.Axis);
                break;
            case Losses.CategoricalFocalCrossentropy f:
                c["alpha"] = f.ClassAlphas is { } perClass ? new JsonArray([.. perClass.Select(a => (JsonNode)a)]) : f.Alpha;
                (c["gamma"], c["from_logits"], c["label_smoothing"]) = (f.Gamma, f.FromLogits, f.LabelSmoothing);
                break;
            case Losses.Dice d: c["axis"] = AxesNode(d.Axis); break;
            case Losses.Tversky t: (c["alpha"], c["beta"], c["axis"]) = (t.Alpha, t.Beta, AxesNode(t.Axis)); break;
            case Losses.Circle k: (c["gamma"], c["margin"], c["remove_diagonal"]) = (k.Gamma, k.Margin, k.RemoveDiagonal); break;
            case Losses.MeanSquaredError or Losses.MeanAbsoluteError or KLDivergence: break;
            case Losses.Hinge or Losses.SquaredHinge or Losses.CategoricalHinge or Losses.LogCosh or Losses.Poisson: break;
            case Losses.MeanSquaredLogarithmicError or Losses.MeanAbsolutePercentageError or Losses.Ctc: break;
            default: return IsOwn(loss) && loss.ClassName == loss.GetType().Name ? null : Custom(loss.ClassName, loss.GetConfig(), "loss", IsBuiltInLoss);
        }
        return new JsonObject { ["class_name"] = loss.GetType().Name, ["config"] = c };
    }

    private static Loss ReadLoss(JsonNode node)
    {
        var (name, c) = Class(node, "loss");
        bool logits = name.EndsWith("Crossentropy", StringComparison.Ordinal) && (c["from_logits"] ?? throw new FormatException("loss setting 'from_logits' is missing")).GetValue<bool>();
        float Smoothing() => Finite(c["label_smoothing"], "label_smoothing");
        return name switch
        {
            nameof(BinaryCrossentropy) => new BinaryCrossentropy(logits, Smoothing(), OneAxis(c["axis"])),
            nameof(CategoricalCrossentropy) => new CategoricalCrossentropy(logits, Smoothing(), OneAxis(c["axis"])),
            nameof(SparseCategoricalCrossentropy) => new SparseCategoricalCrossentropy(logits, Smoothing(), c["ignore_class"]?.GetValue<int>(), OneAxis(c["axis"])),
            nameof(Huber) => new Huber(Finite(c["delta"], "delta")),
            nameof(Losses.MeanSquaredError) => new Losses.MeanSquaredError(),
            nameof(Losses.MeanAbsoluteError) => new Losses.MeanAbsoluteError(),
            nameof(KLDivergence) => new KLDivergence(),
            nameof(CosineSimilarity) => new CosineSimilarity(OneAxis(c["axis"])),
            nameof(Losses.Hinge) => new Losses.Hinge(),
            nameof(Losses.SquaredHinge) => new Losses.SquaredHinge(),
            nameof(Losses.CategoricalHinge) => new Losses.CategoricalHinge(),
            nameof(Losses.LogCosh) => new Losses.LogCosh(),
            nameof(Losses.Poisson) => new Losses.Poisson(),
            nameof(Losses.MeanSquaredLogarithmicError) => new Losses.MeanSquaredLogarithmicError(),
            nameof(Losses.MeanAbsolutePercentageError) => new Losses.MeanAbsolutePercentageError(),
            nameof(Losses.BinaryFocalCrossentropy) => new Losses.BinaryFocalCrossentropy(Flag(c, "apply_class_balancing"), Finite(c["alpha"], "alpha"),
                Finite(c["gamma"], "gamma"), logits, Smoothing(), OneAxis(c["axis"])),
            nameof(Losses.CategoricalFocalCrossentropy) => c["alpha"] is JsonArray perClass
                ? new Losses.CategoricalFocalCrossentropy(ClassAlphas(perClass), Finite(c["gamma"], "gamma"), logits, Smoothing())
                : new Losses.CategoricalFocalCrossentropy(Finite(c["alpha"], "alpha"), Finite(c["gamma"], "gamma"), logits, Smoothing()),
            nameof(Losses.Dice) => new Losses.Dice(Axes(c["axis"])),
            nameof(Losses.Tversky) => new Losses.Tversky(Finite(c["alpha"], "alpha"), Finite(c["beta"], "beta"), Axes(c["axis"])),
            nameof(Losses.Ctc) => new Losses.Ctc(),
            nameof(Losses.Circle) => new Losses.Circle(Finite(c["gamma"], "gamma"), Finite(c["margin"], "margin"), Flag(c, "remove_diagonal")),
            _ => (Loss)MakeCustom("loss", "AddLoss", name, c),
        };
    }

    private static JsonArray? WriteMetrics(Trainer trainer, int outputs, MetricRole role)
    {
        var perOutput = new JsonArray[outputs];
        for (int o = 0; o < outputs; o++) perOutput[o] = [];
        foreach (var c in trainer.CompiledMetrics)
        {
            if (c.Role != role) continue;
            var written = WriteMetric(c.Metric);
            if (written is null) return null;
            perOutput[c.Output].Add((JsonNode)written);
        }
        return new JsonArray(perOutput);
    }

    private static List<IReadOnlyList<Metric>> ReadMetrics(JsonNode node, string what, int outputs)
    {
        var lists = Array(node, what, outputs);
        var result = new List<IReadOnlyList<Metric>>(outputs);
        foreach (var list in lists)
        {
            var items = list as JsonArray ?? throw new FormatException($"'{what}' holds {list?.GetValueKind().ToString() ?? "null"}, expected one list per output");
            if (items.Count > MaxMetricsPerOutput) throw new FormatException($"'{what}' lists {items.Count} metrics for one output; at most {MaxMetricsPerOutput} are read");
            result.Add([.. items.Select(m => ReadMetric(m ?? throw new FormatException($"'{what}' holds null")))]);
        }
        return result;
    }

    private static readonly string[] s_builtInLosses =
    [
        nameof(BinaryCrossentropy), nameof(CategoricalCrossentropy), nameof(SparseCategoricalCrossentropy), nameof(Huber),
        nameof(Losses.MeanSquaredError), nameof(Losses.MeanAbsoluteError), nameof(KLDivergence), nameof(CosineSimilarity),
        nameof(Losses.Hinge), nameof(Losses.SquaredHinge), nameof(Losses.CategoricalHinge), nameof(Losses.LogCosh), nameof(Losses.Poisson),
        nameof(Losses.MeanSquaredLogarithmicError), nameof(Losses.MeanAbsolutePercentageError), nameof(Losses.BinaryFocalCrossentropy),
        nameof(Losses.CategoricalFocalCrossentropy), nameof(Losses.Dice), nameof(Losses.Tversky), nameof(Losses.Ctc),
        nameof(Losses.Circle),
    ];

    /// <summary>Whether a compile config's loss class name is DeepSharp's own (read by this class, never from custom objects).</summary>
    public static bool IsBuiltInLoss(string name) => s_builtInLosses.Contains(name);

    /// <summary>Whether an object is one of DeepSharp's own classes (one with settings the file cannot hold, e.g. a metric name with a quote: not written).</summary>
    private static bool IsOwn(object o) => o.GetType().Assembly == typeof(CompileConfig).Assembly;

    /// <summary>A loss or metric of your own as the file keeps it; null (no compile config) when its name or config cannot be written and read back.</summary>
    private static JsonObject? Custom(string className, JsonObject config, string kind, Func<string, bool> builtIn)
    {
        if (string.IsNullOrWhiteSpace(className) || className.Length > LayerConfig.MaxString || Naming.TextProblem(className) is not null) return null;
        if (builtIn(className))
            throw new InvalidOperationException($"The {kind} {className} of your own has the class name of DeepSharp's own {kind}, so a model file could not " +
                $"tell them apart; override its ClassName with another name.");
        var copy = JsonNode.Parse(config.ToJsonString()) as JsonObject ?? [];
        return new JsonObject { ["class_name"] = className, ["config"] = copy };
    }

    /// <summary>An optimizer, schedule, loss or metric of your own from the open custom objects; a clear error naming it when none was given.</summary>
    internal static object MakeCustom(string kind, string method, string name, JsonObject config)
    {
        string shown = TerminalText.Escape(name);
        var factory = CustomObjects.FindCompileObject(kind, name)
            ?? throw new MissingCustomObjectException(kind, name, $"the model was compiled with the {kind} '{shown}', which is not DeepSharp's own and not among the custom objects given. " +
                $"Load it with Model.Load(path, new CustomObjects().{method}(\"{shown}\", config => ...)) (Keras's custom_objects), " +
                "or with compile: false and Compile it again");
        object made;
        try { made = factory(config); }
        catch (MissingCustomObjectException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FormatException($"the custom {kind} '{shown}' did not load from its config {config.ToJsonString()}: {e.Message}", e);
        }
        return made ?? throw new FormatException($"the factory of the custom {kind} '{shown}' returned null");
    }

    private static (string Name, JsonObject Config) Class(JsonNode node, string what)
    {
        var o = node as JsonObject ?? throw new FormatException($"a {what} is not a JSON object");
        string name = o["class_name"]?.GetValue<string>() ?? throw new FormatException($"a {what} has no 'class_name'");
        return (name, o["config"] as JsonObject ?? throw new FormatException($"{what} '{TerminalText.Escape(name)}' has no 'config' object"));
    }

    private static JsonNode Required(JsonObject o, string key) => o[key] ?? throw new FormatException($"'{key}' is missing");

    private static JsonArray Array(JsonNode node, string what, int outputs)
    {
        var a = node as JsonArray ?? throw new FormatException($"'{what}' is not a list");
        return a.Count == outputs ? a : throw new FormatException($"'{what}' has {a.Count} entries; the model has {outputs} output{(outputs == 1 ? "" : "s")}");
    }

    private static float Finite(JsonNode? node, string what)
    {
        float v = (node ?? throw new FormatException($"'{what}' is missing")).GetValue<float>();
        return float.IsFinite(v) ? v : throw new FormatException($"'{what}' is {v}, not a finite number");
    }

    /// <summary>CategoricalFocalCrossentropy's alpha as a list: one finite weight per class, at most <see cref="MaxClassAlphas"/>.</summary>
    private static float[] ClassAlphas(JsonArray list)
    {
        if (list.Count is 0 or > MaxClassAlphas) throw new FormatException($"loss setting 'alpha' lists {list.Count} class weights; 1 to {MaxClassAlphas} are read");
        return [.. list.Select(a => Finite(a, "alpha"))];
    }

    private const int MaxClassAlphas = 1 << 20;

    private static bool Flag(JsonObject c, string key) => (c[key] ?? throw new FormatException($"loss setting '{key}' is missing")).GetValue<bool>();

    /// <summary>A loss's <c>axis</c> as Keras writes it: null, or a list of axes.</summary>
    private static JsonNode? AxesNode(int[]? axes)
    {
        if (axes is null) return null;
        var list = new JsonArray();
        foreach (int a in axes) list.Add((JsonNode)a);
        return list;
    }

    /// <summary>A loss's <c>axis</c>: null, one integer or a list of at most 8 (the loss checks them).</summary>
    private static int[]? Axes(JsonNode? node)
    {
        const int MaxAxes = 8;
        if (node is null) return null;
        if (node is JsonValue) return [Int(node, "axis", MaxAxes)];
        var list = node as JsonArray ?? throw new FormatException("loss setting 'axis' is neither null, an integer nor a list");
        if (list.Count > MaxAxes) throw new FormatException($"loss setting 'axis' lists {list.Count} axes; at most {MaxAxes} are read");
        return [.. list.Select(a => Int(a, "axis", MaxAxes))];
    }

    /// <summary>A loss's or metric's single <c>axis</c> (Keras's default −1 when absent), within ±<see cref="MaxOneAxis"/>.</summary>
    internal static int OneAxis(JsonNode? node)
    {
        if (node is null) return -1;
        int axis = Int(node, "axis", MaxOneAxis);
        return axis >= -MaxOneAxis ? axis : throw new FormatException($"'axis' is {axis}; at least {-MaxOneAxis} is read");
    }

    private const int MaxOneAxis = 64;

    private static float? Optional(JsonObject c, string key) => c[key] is null ? null : Finite(c[key], key);

    /// <summary>An optional string setting (a metric's log name), held to the rule of layer names: printable, at most <see cref="LayerConfig.MaxString"/> characters.</summary>
    private static string? Text(JsonNode? node, string what)
    {
        if (node is null) return null;
        string s = node.GetValue<string>();
        if (s.Length is 0 or > LayerConfig.MaxString) throw new FormatException($"'{what}' is a string of {s.Length} characters; 1 to {LayerConfig.MaxString} are read");
        return Naming.TextProblem(s) is { } problem ? throw new FormatException($"'{what}' {problem}") : s;
    }

    private static int Int(JsonNode? node, string what, int max)
    {
        int v = (node ?? throw new FormatException($"'{what}' is missing")).GetValue<int>();
        return v <= max ? v : throw new FormatException($"'{what}' is {v}; at most {max} is read");
    }
}
