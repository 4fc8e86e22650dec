using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;

namespace DeepSharp.Training;

/// <summary>
/// Trains a <see cref="Model"/>: what <c>Compile</c> chose (optimizer, one loss per output, loss
/// weights, metrics with their log names) and the loops that use it — Fit's epochs and steps with
/// callbacks, validation and cancellation (Trainer.Fit.cs), the one training step and the
/// evaluation step (Trainer.Step.cs), checkpoints of a running Fit (Trainer.Checkpoint.cs). As
/// Keras's <c>Trainer</c> (keras/src/trainers/trainer.py), without being the model's base class:
/// the model describes the network, <c>Compile</c> makes its trainer, and every public Fit and
/// Evaluate overload maps its arguments onto <see cref="Fit"/> and <see cref="Evaluate"/>.
/// </summary>
internal sealed partial class Trainer
{
    private readonly Model _model;
    private readonly Loss?[] _losses;
    private readonly float[]? _lossWeights;
    private readonly bool[] _needsTarget;
    private readonly OutputLossMean?[] _outputLosses;
    private readonly CompiledMetric[] _compiled;

    /// <summary>
    /// Keras's compile with lists: one loss per output (null: not trained), loss weights, and per
    /// output the plain and the weighted metrics, named as Keras's CompileMetrics names them.
    /// </summary>
    /// <exception cref="ArgumentException">No output has a loss, a metric is given twice, a Mean or Sum is given, or two logged values would share a name.</exception>
    public Trainer(Model model, Optimizer optimizer, Loss?[] losses, float[]? lossWeights,
        IReadOnlyList<IReadOnlyList<Metric>>? metrics, IReadOnlyList<IReadOnlyList<Metric>>? weightedMetrics)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var names = model.OutputNames;
        if (Array.TrueForAll(losses, l => l is null))
            throw new ArgumentException($"Model '{model.Name}': no output ({string.Join(", ", names)}) has a loss; give at least one (a null loss leaves its output untrained).", nameof(losses));
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
                    if (m is ValueMetric)
                        throw new ArgumentException($"Model '{model.Name}': {m.GetType().Name} '{m.Name}' reduces values of your own (a custom loop's tracker) and compares no " +
                            "targets with predictions, so it cannot be compiled (as in Keras); use a metric such as MeanSquaredError, or a Metric of your own.");
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
                throw new ArgumentException($"Model '{model.Name}': metric '{c.Metric.Name}' is given twice; each place needs its own instance (a metric keeps running totals).");
            if (!logNames.Add(c.LogName))
                throw new ArgumentException($"Model '{model.Name}': two logged values would be named '{c.LogName}'.");
        }

        var needsTarget = new bool[losses.Length];
        for (int o = 0; o < losses.Length; o++) needsTarget[o] = losses[o] is not null || compiled.Exists(c => c.Output == o);

        (_model, Optimizer) = (model, optimizer);
        (_losses, _lossWeights, _outputLosses, _compiled, _needsTarget) = (losses, lossWeights, outputLosses, [.. compiled], needsTarget);
        Metrics = compiled.Where(c => c.Role == MetricRole.Plain).Select(c => c.Metric).ToArray();
        WeightedMetrics = compiled.Where(c => c.Role == MetricRole.Weighted).Select(c => c.Metric).ToArray();
    }

    public Optimizer Optimizer { get; }

    /// <summary>One loss per output; null for an output that is not trained.</summary>
    public IReadOnlyList<Loss?> Losses => _losses;

    /// <summary>The weight of each output's loss in the total (null: all 1).</summary>
    public IReadOnlyList<float>? LossWeights => _lossWeights;

    /// <summary>The metrics updated without sample weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>The metrics updated with sample (and class) weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> WeightedMetrics { get; }

    /// <summary>Every logged value but "loss": its name, metric, output and role, in log order.</summary>
    public IReadOnlyList<CompiledMetric> CompiledMetrics => _compiled;

    /// <summary>The names the loss and metrics have in logs and History, in order ("loss", "accuracy", ...).</summary>
    public IReadOnlyList<string> MetricNames => ["loss", .. _compiled.Select(c => c.LogName)];

    /// <summary>The Fit in progress (null outside Fit); checkpoints read and restore it.</summary>
    public FitRun? Run { get; private set; }

    /// <summary>
    /// Told, in every training step, when each trainable parameter's gradient is final and when all
    /// are (before the optimizer applies them): the seam data-parallel training reduces gradients at.
    /// </summary>
    public List<IGradientHook> GradientHooks { get; } = [];

    /// <summary>Whether output <paramref name="output"/> needs a target: it has a loss or metrics.</summary>
    public bool NeedsTarget(int output) => _needsTarget[output];

    /// <summary>The error for a missing target of an output that needs one.</summary>
    public ArgumentException MissingTarget(int output, string caller) =>
        new($"{caller}: output '{_model.OutputNames[output]}' (output {output}) of model '{_model.Name}' has " +
            (_losses[output] is null ? "metrics" : "a loss") + " and needs a target, but none was given " +
            "(only an output compiled without a loss and without metrics may go without one).", "y");
}
