using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    private Trainer? _trainer;

    /// <summary>What Compile made: the optimizer, losses and metrics, and the loops that train with them (null before Compile).</summary>
    internal Trainer? Trainer => _trainer;

    /// <summary>
    /// Compiles <paramref name="target"/> (a model derived from this one: quantized, with the same outputs) with this
    /// model's compile settings — a fresh optimizer of the same class and settings (not its moments), the losses, loss
    /// weights and metrics — as a model file's compile config would; leaves it uncompiled when this model is not
    /// compiled or was compiled with a class of your own (see <see cref="CompileConfig"/>).
    /// </summary>
    internal void CompileLike(Model target)
    {
        if (_trainer is { } trainer && target.OutputCount == OutputCount && CompileConfig.Write(trainer, OutputCount) is { } json)
            CompileConfig.Read(target, json, Name);
    }

    /// <summary>Whether the model is compiled (Keras's <c>model.compiled</c>): Compile was called, or Load read the file's compile settings.</summary>
    public bool IsCompiled => _trainer is not null;

    /// <summary>The optimizer Compile was given (callbacks change its learning rate through it); null before Compile.</summary>
    public Optimizer? Optimizer => _trainer?.Optimizer;

    /// <summary>The loss (of the first output, for a model with several); null before Compile or when that output has no loss.</summary>
    public Loss? Loss => _trainer?.Losses[0];

    /// <summary>One loss per output; null for an output that is not trained.</summary>
    public IReadOnlyList<Loss?> Losses => _trainer?.Losses ?? [];

    /// <summary>The weight of each output's loss in the total (null: all 1).</summary>
    public IReadOnlyList<float>? LossWeights => _trainer?.LossWeights;

    /// <summary>The metrics updated without sample weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> Metrics => _trainer?.Metrics ?? [];

    /// <summary>The metrics updated with sample (and class) weights, every output's, in log order.</summary>
    public IReadOnlyList<Metric> WeightedMetrics => _trainer?.WeightedMetrics ?? [];

    /// <summary>The names the loss and metrics have in logs and History, in order ("loss", "accuracy", ...).</summary>
    public IReadOnlyList<string> MetricNames => _trainer?.MetricNames ?? ["loss"];

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
        CheckFieldsTracked();
        _trainer = new Trainer(this, optimizer, losses, lossWeights, metrics, weightedMetrics);
    }

    private void CheckPerOutput(int count, string what)
    {
        if (count != OutputCount)
            throw new ArgumentException($"Model '{Name}' has {OutputCount} output{(OutputCount == 1 ? "" : "s")} ({string.Join(", ", OutputNames)}); " +
                $"{what} has {count} entr{(count == 1 ? "y" : "ies")}: give one per output.", what);
    }

    /// <summary>The model's trainer, or the error every training call gives before Compile.</summary>
    private Trainer RequireCompiled(string caller) =>
        _trainer ?? throw new InvalidOperationException($"{caller} needs a compiled model: call Compile(optimizer, loss, metrics) first " +
            "(a model from Model.FromJson or Model.Load(path, compile: false), or from a file saved uncompiled or compiled with classes of your own, is not compiled).");
}
