using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    private Loss?[] _losses = [];
    private float[]? _lossWeights;
    private bool[] _needsTarget = [];
    private OutputLossMean?[] _outputLosses = [];
    private CompiledMetric[] _compiled = [];
    private bool _generalStep;

    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss (of the first output, for a model with several); null before Compile or when that output has no loss.</summary>
    public Loss? Loss => _losses.Length > 0 ? _losses[0] : null;

    /// <summary>One loss per output; null for an output that is not trained.</summary>
    public IReadOnlyList<Loss?> Losses => _losses;

    /// <summary>The weight of each output's loss in the total (null: all 1).</summary>
    public IReadOnlyList<float>? LossWeights => _lossWeights;

    /// <summary>The metrics updated without sample weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> Metrics { get; private set; } = [];

    /// <summary>The metrics updated with sample (and class) weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> WeightedMetrics { get; private set; } = [];

    /// <summary>The names the loss and metrics have in logs and History, in order ("loss", "accuracy", ...).</summary>
    public IReadOnlyList<string> MetricNames => ["loss", .. _compiled.Select(c => c.LogName)];

    /// <summary>
    /// Chooses the optimizer, loss and metrics Fit and Evaluate use. A model with several outputs
    /// applies <paramref name="loss"/> to each of them (as Keras) and takes its metrics per output
    /// from the other overload.
    /// </summary>
    /// <param name="optimizer">Updates the weights.</param>
    /// <param name="loss">The loss to minimise.</param>
    /// <param name="metrics">Metrics computed without sample weights (Keras's <c>metrics</c>).</param>
    /// <param name="weightedMetrics">Metrics weighted by Fit's sampleWeight and classWeight and by Evaluate's sampleWeight (Keras's <c>weighted_metrics</c>).</param>
    /// <exception cref="ArgumentException">Metrics given for a model with several outputs, or one metric instance given twice.</exception>
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric>? metrics = null, IEnumerable<Metric>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Metric[] plain = metrics?.ToArray() ?? [], weighted = weightedMetrics?.ToArray() ?? [];
        int outputs = OutputCount;
        if (outputs > 1 && plain.Length + weighted.Length > 0)
            throw new ArgumentException($"Model '{Name}' has {outputs} outputs ({string.Join(", ", OutputNames)}): give metrics per output, " +
                "Compile(optimizer, losses, metrics: [[...], [...]]).", nameof(metrics));
        var losses = new Loss[outputs];
        Array.Fill(losses, loss);
        CompileOutputs(optimizer, losses, null, outputs == 1 ? [plain] : null, outputs == 1 ? [weighted] : null);
    }

    /// <summary>
    /// Chooses the optimizer and, per output, the loss and metrics (Keras's compile with lists):
    /// the minimised loss is Σ lossWeights[i]·losses[i] over the outputs that have a loss. A null loss
    /// leaves its output untrained (Keras's <c>loss=[None, "mse"]</c>): it adds nothing to "loss",
    /// has no "{output}_loss" log and needs a target only if it has metrics. For a model with several
    /// outputs the logs hold "loss" (that sum), "{output}_loss" for each output with a loss (before
    /// its weight), and each metric as "{output}_{metric}", where {output} is the name of the layer
    /// that makes the output.
    /// </summary>
    /// <param name="optimizer">Updates the weights.</param>
    /// <param name="losses">One loss per output, in the model's output order; null for an output that is not trained.</param>
    /// <param name="lossWeights">One weight per output (default: all 1); outputs without a loss ignore theirs.</param>
    /// <param name="metrics">One list of unweighted metrics per output (an empty list for none).</param>
    /// <param name="weightedMetrics">One list of sample-weighted metrics per output.</param>
    /// <exception cref="ArgumentException">A list does not have one entry per output, no output has a loss, a weight is not finite, or one metric instance is given twice.</exception>
    public void Compile(Optimizer optimizer, IReadOnlyList<Loss?> losses, IReadOnlyList<float>? lossWeights = null,
        IReadOnlyList<IReadOnlyList<Metric>>? metrics = null, IReadOnlyList<IReadOnlyList<Metric>>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(losses);
        CheckPerOutput(losses.Count, "losses");
        if (lossWeights is not null)
        {
            CheckPerOutput(lossWeights.Count, "lossWeights");
            foreach (float w in lossWeights)
                if (!float.IsFinite(w)) throw new ArgumentException($"Model '{Name}': loss weights must be finite; got {w}.", nameof(lossWeights));
        }
        if (metrics is not null) CheckPerOutput(metrics.Count, "metrics");
        if (weightedMetrics is not null) CheckPerOutput(weightedMetrics.Count, "weightedMetrics");
        CompileOutputs(optimizer, [.. losses], lossWeights?.ToArray(), metrics, weightedMetrics);
    }

    /// <summary>
    /// The names that prefix each output's logs: the layers that make the outputs. Where one name
    /// comes again (the output and a state of one LSTM call, or one tensor twice), the later ones get
    /// "_1", "_2", ... as tf.keras names them: "lstm", "lstm_1".
    /// </summary>
    public IReadOnlyList<string> OutputNames => _graph is null ? [Layers.Count > 0 ? Layers[^1].Name : Name] : UniqueNames(_graph.Outputs);

    private static string[] UniqueNames(IReadOnlyList<SymbolicTensor> outputs)
    {
        var names = new string[outputs.Count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            string layer = outputs[i].Layer.Name, name = layer;
            while (!taken.Add(name))
            {
                int n = counts.GetValueOrDefault(layer, 1);
                name = $"{layer}_{n}";
                counts[layer] = n + 1;
            }
            names[i] = name;
        }
        return names;
    }

    private void CompileOutputs(Optimizer optimizer, Loss?[] losses, float[]? lossWeights,
        IReadOnlyList<IReadOnlyList<Metric>>? metrics, IReadOnlyList<IReadOnlyList<Metric>>? weightedMetrics)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var names = OutputNames;
        if (Array.TrueForAll(losses, l => l is null))
            throw new ArgumentException($"Model '{Name}': no output ({string.Join(", ", names)}) has a loss; give at least one (a null loss leaves its output untrained).", nameof(losses));
        bool several = losses.Length > 1;

        var compiled = new List<CompiledMetric>();
        var outputLosses = new OutputLossMean?[losses.Length];
        if (several)
            for (int o = 0; o < losses.Length; o++)
                if (losses[o] is { } loss)
                    compiled.Add(new(names[o] + "_loss", outputLosses[o] = new OutputLossMean(loss, names[o] + "_loss"), o, MetricRole.OutputLoss));
        // Keras's CompileMetrics.result(): "{output}_{name}"; a repeated name gets "_1", "_2", ... among
        // plain metrics and a "weighted_" prefix among weighted ones.
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var role in (ReadOnlySpan<MetricRole>)[MetricRole.Plain, MetricRole.Weighted])
        {
            var lists = role == MetricRole.Plain ? metrics : weightedMetrics;
            for (int o = 0; o < (lists?.Count ?? 0); o++)
                foreach (var m in lists![o] ?? [])
                {
                    ArgumentNullException.ThrowIfNull(m, role == MetricRole.Plain ? nameof(metrics) : nameof(weightedMetrics));
                    string prefix = several ? names[o] + "_" : "";
                    string name = prefix + m.Name;
                    if (!counters.TryAdd(name, 1))
                    {
                        if (role == MetricRole.Plain) name = $"{name}_{counters[name]++}";
                        else
                        {
                            name = prefix + "weighted_" + m.Name;
                            if (!counters.TryAdd(name, 1)) name = $"{name}_{counters[name]++}";
                        }
                    }
                    compiled.Add(new(name, m, o, role));
                }
        }
        var seen = new HashSet<Metric>(ReferenceEqualityComparer.Instance);
        var logNames = new HashSet<string>(StringComparer.Ordinal) { "loss" };
        foreach (var c in compiled)
        {
            if (!seen.Add(c.Metric))
                throw new ArgumentException($"Model '{Name}': metric '{c.Metric.Name}' is given twice; each place needs its own instance (a metric keeps running totals).");
            if (!logNames.Add(c.LogName))
                throw new ArgumentException($"Model '{Name}': two logged values would be named '{c.LogName}'.");
        }

        var needsTarget = new bool[losses.Length];
        for (int o = 0; o < losses.Length; o++) needsTarget[o] = losses[o] is not null || compiled.Exists(c => c.Output == o);

        Optimizer = optimizer;
        (_losses, _lossWeights, _outputLosses, _compiled, _needsTarget) = (losses, lossWeights, outputLosses, [.. compiled], needsTarget);
        Metrics = compiled.Where(c => c.Role == MetricRole.Plain).Select(c => c.Metric).ToArray();
        WeightedMetrics = compiled.Where(c => c.Role == MetricRole.Weighted).Select(c => c.Metric).ToArray();
        _generalStep = InputCount != 1 || losses.Length != 1 || (lossWeights is not null && lossWeights[0] != 1f);
    }

    private void CheckPerOutput(int count, string what)
    {
        if (count != OutputCount)
            throw new ArgumentException($"Model '{Name}' has {OutputCount} output{(OutputCount == 1 ? "" : "s")} ({string.Join(", ", OutputNames)}); " +
                $"{what} has {count} entr{(count == 1 ? "y" : "ies")}: give one per output.", what);
    }

    private void ResetMetrics()
    {
        foreach (var c in _compiled) c.Metric.Reset();
    }

    /// <summary>
    /// Updates output <paramref name="output"/>'s metrics: plain ones unweighted, weighted ones with
    /// <paramref name="weights"/>; both with the output's <paramref name="mask"/> (Keras 3 passes it to every metric).
    /// </summary>
    private void UpdateMetrics(int output, Tensor yTrue, Tensor yPred, Tensor? weights, Tensor? mask)
    {
        foreach (var c in _compiled)
        {
            if (c.Output != output || c.Role == MetricRole.OutputLoss) continue;
            c.Metric.Update(yTrue, yPred, c.Role == MetricRole.Weighted ? weights : null, mask);
        }
    }
}
