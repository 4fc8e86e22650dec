using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Argument checks of Fit, Evaluate and Predict: counts, missing targets, sample counts, sample weights.</summary>
public partial class Model
{
    private void CheckTensors(Trainer trainer, Tensor[] x, Tensor?[] y, string caller)
    {
        ArgumentNullException.ThrowIfNull(y);
        CheckInputs(x, caller);
        if (y.Length != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' has {Count(OutputCount, "output")} ({string.Join(", ", OutputNames)}); got {Count(y.Length, "target tensor")}.", nameof(y));
        for (int o = 0; o < y.Length; o++)
            if (y[o] is null && trainer.NeedsTarget(o)) throw trainer.MissingTarget(o, caller);
        CheckSampleCounts(x, y, caller);
    }

    /// <summary>
    /// sampleWeight or sampleWeights, not both; sampleWeight and each entry of sampleWeights (one per
    /// output) null or as <see cref="CheckWeightRows"/> wants them.
    /// </summary>
    private void CheckSampleWeights(Tensor? sampleWeight, Tensor?[]? sampleWeights, int samples, string caller, string listName = "sampleWeights")
    {
        CheckWeightRows(sampleWeight, samples, caller, "sampleWeight");
        if (sampleWeights is null) return;
        if (sampleWeight is not null)
            throw new ArgumentException($"{caller}: give sampleWeight (one tensor for every output) or sampleWeights (one per output), not both.", listName);
        if (sampleWeights.Length != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' has {Count(OutputCount, "output")} ({string.Join(", ", OutputNames)}); " +
                $"{listName} has {Count(sampleWeights.Length, "entry")}: give one per output (null for an unweighted one).", listName);
        for (int o = 0; o < sampleWeights.Length; o++)
            CheckWeightRows(sampleWeights[o], samples, caller, $"the sample weights of output '{OutputNames[o]}' ({listName}[{o}])");
    }

    /// <summary>
    /// Null, or float weights with one value per sample (samples,) or one row per sample, e.g.
    /// (samples, time) for a sequence output (Keras's temporal sample weights).
    /// </summary>
    private static void CheckWeightRows(Tensor? weights, int samples, string caller, string what)
    {
        if (weights is null) return;
        bool perSample = weights.Size == samples && (weights.Rank == 0 || weights.Shape[0] == samples);
        bool perRow = weights.Rank > 1 && weights.Shape[0] == samples;
        if (weights.DType != DType.Float32 || !(perSample || perRow))
            throw new ShapeMismatchException($"{caller}: {what} are {weights.Shape} {weights.DType}; " +
                $"they need one float per sample ({samples}) or one row per sample, e.g. ({samples}, time).");
    }

    private void CheckInputs(Tensor[] x, string caller)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length != InputCount)
            throw new ArgumentException($"{caller}: model '{Name}' takes {Count(InputCount, "input")}" +
                (_graph is null ? "" : $" ({_graph.InputNames()})") + $"; got {Count(x.Length, "tensor")}.", nameof(x));
        foreach (var t in x) ArgumentNullException.ThrowIfNull(t, nameof(x));
        CheckSampleCounts(x, [], caller);
    }

    /// <summary>Every tensor (null targets skipped) has input 0's number of samples.</summary>
    internal static void CheckSampleCounts(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor?> y, string caller)
    {
        int samples = x[0].Rank == 0 ? -1 : x[0].Shape[0];
        for (int i = 0; i < x.Count + y.Count; i++)
        {
            var (t, what) = i < x.Count ? (x[i], $"input {i}") : (y[i - x.Count], $"target {i - x.Count}");
            if (t is not null && (t.Rank == 0 || t.Shape[0] != samples))
                throw new ShapeMismatchException($"{caller}: {what} {t.Shape} does not have the {samples} samples of input 0 {x[0].Shape}.");
        }
    }

    internal static string Count(int n, string noun) =>
        n == 1 ? $"1 {noun}" : noun.EndsWith('y') ? $"{n} {noun[..^1]}ies" : $"{n} {noun}s";

    /// <summary>One input and one target tensor, both with a sample axis and the same number of samples.</summary>
    internal static void CheckSamples(Tensor x, Tensor y, string caller)
    {
        if (x.Rank == 0 || y.Rank == 0)
            throw new ShapeMismatchException($"{caller}: inputs {x.Shape} and targets {y.Shape} need a sample axis.");
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"{caller}: {x.Shape[0]} input samples {x.Shape} but {y.Shape[0]} targets {y.Shape}.");
    }
}
