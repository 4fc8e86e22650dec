using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>
/// Compile, Fit, Evaluate and Predict with dictionaries keyed by name (Keras's
/// <c>loss={"out1": ..., "out2": ...}</c>, <c>x={"a": ..., "b": ...}</c>): input keys are the names of
/// the model's Input layers (<see cref="InputNames"/>), output keys the names of the layers that make
/// the outputs (<see cref="OutputNames"/>). Each maps its dictionaries onto the list overloads, in the
/// model's order; an unknown key is an error, as in Keras.
/// </summary>
public partial class Model
{
    /// <summary>The names of the model's Input layers, in input order: the keys of the dictionary forms of x. Empty for a Sequential, whose input has no layer of its own.</summary>
    public IReadOnlyList<string> InputNames => _graph is null ? [] : _graph.Inputs.Select(i => i.Layer.Name).ToArray();

    /// <summary>
    /// Chooses the optimizer and, per output name, the loss and metrics (Keras's compile with
    /// dictionaries). An output missing from <paramref name="losses"/> is not trained, as an output
    /// with a null loss in the list overload; missing from the other dictionaries it gets weight 1 and
    /// no metrics.
    /// </summary>
    /// <param name="optimizer">Updates the weights.</param>
    /// <param name="losses">Output name → loss; at least one output needs one.</param>
    /// <param name="lossWeights">Output name → weight of its loss in the total (default 1).</param>
    /// <param name="metrics">Output name → unweighted metrics.</param>
    /// <param name="weightedMetrics">Output name → sample-weighted metrics.</param>
    /// <exception cref="ArgumentException">A key is not an output name, outputs share a name, no output has a loss, or the list overload refuses the mapped lists.</exception>
    public void Compile(Optimizer optimizer, IReadOnlyDictionary<string, Loss> losses, IReadOnlyDictionary<string, float>? lossWeights = null,
        IReadOnlyDictionary<string, IReadOnlyList<Metric>>? metrics = null, IReadOnlyDictionary<string, IReadOnlyList<Metric>>? weightedMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var names = OutputNames;
        CheckOutputKeys(losses.Keys, names, "Compile", nameof(losses));
        if (lossWeights is not null) CheckOutputKeys(lossWeights.Keys, names, "Compile", nameof(lossWeights));
        if (metrics is not null) CheckOutputKeys(metrics.Keys, names, "Compile", nameof(metrics));
        if (weightedMetrics is not null) CheckOutputKeys(weightedMetrics.Keys, names, "Compile", nameof(weightedMetrics));
        Compile(optimizer,
            names.Select(n => losses.GetValueOrDefault(n)).ToArray(),
            lossWeights is null ? null : names.Select(n => lossWeights.GetValueOrDefault(n, 1f)).ToArray(),
            metrics is null ? null : names.Select(n => metrics.GetValueOrDefault(n) ?? []).ToArray(),
            weightedMetrics is null ? null : names.Select(n => weightedMetrics.GetValueOrDefault(n) ?? []).ToArray());
    }

    /// <summary>
    /// Trains on tensors keyed by input name and targets keyed by output name (Keras's
    /// <c>fit(x={"a": ...}, y={"out1": ...})</c>); see the list overload for the parameters. An output
    /// missing from <paramref name="y"/> has no target, which only an output without a loss and without
    /// metrics may lack; one missing from <paramref name="sampleWeights"/> (or, for the validation data,
    /// from <paramref name="validationSampleWeights"/>) is unweighted.
    /// </summary>
    /// <exception cref="ArgumentException">A key is not an input or output name, an input is missing, or a target an output needs is missing.</exception>
    public History Fit(IReadOnlyDictionary<string, Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (IReadOnlyDictionary<string, Tensor> X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null, float validationSplit = 0f,
        bool shuffle = true, IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null, IReadOnlyDictionary<string, Tensor>? sampleWeights = null,
        IReadOnlyDictionary<string, Tensor>? validationSampleWeights = null, bool checkFinite = true, CancellationToken cancellationToken = default)
    {
        (Tensor[], Tensor?[])? validation = validationData is { } v
            ? (InputsByName(v.X, "Fit validation data"), OutputsByName(v.Y, "Fit validation data", "y")) : null;
        return Fit(InputsByName(x, "Fit"), OutputsByName(y, "Fit", nameof(y)), batchSize, epochs, verbose, validation, validationSplit, shuffle,
            callbacks, classWeight, sampleWeight, initialEpoch, stepsPerEpoch,
            sampleWeights is null ? null : OutputsByName(sampleWeights, "Fit", nameof(sampleWeights)),
            validationSampleWeights is null ? null : OutputsByName(validationSampleWeights, "Fit validation data", nameof(validationSampleWeights)),
            checkFinite, cancellationToken);
    }

    /// <summary>
    /// Loss and metrics over tensors keyed by input name and targets keyed by output name; see the
    /// list overload. Outputs missing from <paramref name="sampleWeights"/> are unweighted.
    /// </summary>
    /// <exception cref="ArgumentException">A key is not an input or output name, an input is missing, or a target an output needs is missing.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(IReadOnlyDictionary<string, Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32,
        int verbose = 0, Tensor? sampleWeight = null, IReadOnlyDictionary<string, Tensor>? sampleWeights = null,
        CancellationToken cancellationToken = default) =>
        Evaluate(InputsByName(x, "Evaluate"), OutputsByName(y, "Evaluate", nameof(y)), batchSize, verbose, sampleWeight,
            sampleWeights is null ? null : OutputsByName(sampleWeights, "Evaluate", nameof(sampleWeights)), cancellationToken);

    /// <summary>The model's outputs for tensors keyed by input name, keyed by output name (computed in batches).</summary>
    /// <exception cref="ArgumentException">A key is not an input name, an input is missing, or outputs share a name.</exception>
    public IReadOnlyDictionary<string, Tensor> Predict(IReadOnlyDictionary<string, Tensor> x, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        var names = OutputNames;
        var outputs = Predict(InputsByName(x, "Predict"), batchSize, cancellationToken);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int o = 0; o < outputs.Length; o++) result[names[o]] = outputs[o];
        return result;
    }

    /// <summary>One tensor per input, in input order, from a dictionary that must name every input and nothing else.</summary>
    private Tensor[] InputsByName(IReadOnlyDictionary<string, Tensor> x, string caller)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (_graph is null)
            throw new ArgumentException($"{caller}: model '{Name}' is a {GetType().Name}, whose input has no name; pass the tensor itself (or an array of one).", nameof(x));
        var names = InputNames;
        var unknown = x.Keys.Where(k => !names.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"{caller}: x has {Keys(unknown)}, which {(unknown.Length == 1 ? "is not an input" : "are not inputs")} of model '{Name}'; " +
                $"its inputs are {string.Join(", ", names)}.", nameof(x));
        var tensors = new Tensor[names.Count];
        for (int i = 0; i < tensors.Length; i++)
            tensors[i] = x.TryGetValue(names[i], out var t) ? t
                : throw new ArgumentException($"{caller}: x has no tensor for input '{names[i]}' of model '{Name}' (inputs {string.Join(", ", names)}).", nameof(x));
        return tensors;
    }

    /// <summary>One entry per output, in output order, null where the dictionary has no key for it.</summary>
    private Tensor?[] OutputsByName(IReadOnlyDictionary<string, Tensor> values, string caller, string what)
    {
        ArgumentNullException.ThrowIfNull(values, what);
        var names = OutputNames;
        CheckOutputKeys(values.Keys, names, caller, what);
        return names.Select(n => values.GetValueOrDefault(n)).ToArray();
    }

    private void CheckOutputKeys(IEnumerable<string> keys, IReadOnlyList<string> names, string caller, string what)
    {
        var unknown = keys.Where(k => !names.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"{caller}: {what} has {Keys(unknown)}, which {(unknown.Length == 1 ? "is not an output" : "are not outputs")} of model '{Name}'; " +
                $"its outputs are {string.Join(", ", names)}.", what);
    }

    private static string Keys(string[] keys) =>
        (keys.Length == 1 ? "key " : "keys ") + string.Join(", ", keys.Select(k => $"'{k}'"));
}
