using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Argument checks of the several-inputs-or-outputs Fit, Evaluate and Predict: counts, missing targets, sample counts.</summary>
public partial class Model
{
    /// <summary>A batch must hold one tensor per model input and output, all with the batch's samples, and the targets the outputs need.</summary>
    private void CheckBatch(Batch batch, string caller)
    {
        if (batch.InputCount != InputCount || batch.TargetCount != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' takes {Count(InputCount, "input")} and {Count(OutputCount, "target")} " +
                $"(outputs {string.Join(", ", OutputNames)}); the batch has {Count(batch.InputCount, "input")} and {Count(batch.TargetCount, "target")}.");
        for (int o = 0; o < _needsTarget.Length; o++)
            if (_needsTarget[o] && batch.Target(o) is null) throw MissingTarget(o, caller);
        CheckSampleCounts(batch.Inputs, batch.Targets, caller);
    }

    private void CheckTensors(Tensor[] x, Tensor?[] y, string caller)
    {
        ArgumentNullException.ThrowIfNull(y);
        CheckInputs(x, caller);
        if (y.Length != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' has {Count(OutputCount, "output")} ({string.Join(", ", OutputNames)}); got {Count(y.Length, "target tensor")}.", nameof(y));
        for (int o = 0; o < y.Length; o++)
            if (y[o] is null && _needsTarget[o]) throw MissingTarget(o, caller);
        CheckSampleCounts(x, y, caller);
    }

    private ArgumentException MissingTarget(int output, string caller) =>
        new($"{caller}: output '{OutputNames[output]}' (output {output}) of model '{Name}' has " +
            (_losses[output] is null ? "metrics" : "a loss") + " and needs a target, but none was given " +
            "(only an output compiled without a loss and without metrics may go without one).", "y");

    /// <summary>
    /// sampleWeight or sampleWeights, not both; sampleWeights holds one entry per output, each null or
    /// one float per sample.
    /// </summary>
    private void CheckSampleWeights(Tensor? sampleWeight, Tensor?[]? sampleWeights, int samples, string caller)
    {
        if (sampleWeights is null) return;
        if (sampleWeight is not null)
            throw new ArgumentException($"{caller}: give sampleWeight (one tensor for every output) or sampleWeights (one per output), not both.", nameof(sampleWeights));
        if (sampleWeights.Length != OutputCount)
            throw new ArgumentException($"{caller}: model '{Name}' has {Count(OutputCount, "output")} ({string.Join(", ", OutputNames)}); " +
                $"sampleWeights has {Count(sampleWeights.Length, "entry")}: give one per output (null for an unweighted one).", nameof(sampleWeights));
        for (int o = 0; o < sampleWeights.Length; o++)
            if (sampleWeights[o] is { } w && (w.Size != samples || w.DType != DType.Float32 || (w.Rank > 0 && w.Shape[0] != samples)))
                throw new ShapeMismatchException($"{caller}: the sample weights of output '{OutputNames[o]}' (sampleWeights[{o}]) are {w.Shape} {w.DType}; " +
                    $"they need one float per sample ({samples}).");
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
    private static void CheckSampleCounts(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor?> y, string caller)
    {
        int samples = x[0].Rank == 0 ? -1 : x[0].Shape[0];
        for (int i = 0; i < x.Count + y.Count; i++)
        {
            var (t, what) = i < x.Count ? (x[i], $"input {i}") : (y[i - x.Count], $"target {i - x.Count}");
            if (t is not null && (t.Rank == 0 || t.Shape[0] != samples))
                throw new ShapeMismatchException($"{caller}: {what} {t.Shape} does not have the {samples} samples of input 0 {x[0].Shape}.");
        }
    }

    private static string Count(int n, string noun) =>
        n == 1 ? $"1 {noun}" : noun.EndsWith('y') ? $"{n} {noun[..^1]}ies" : $"{n} {noun}s";
}
