using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A streaming metric: update with each batch, read the result, reset per epoch. Updates may carry
/// per-sample weights (Keras's <c>sample_weight</c>): each sample then counts with its weight, so
/// a weight of 2 counts a sample twice and 0 leaves it out.
/// </summary>
public abstract class Metric
{
    /// <summary>Keras's name, used in logs and history ("accuracy").</summary>
    public abstract string Name { get; }

    /// <summary>Adds a batch of targets and predictions, every sample weighing 1.</summary>
    public void Update(Tensor yTrue, Tensor yPred) => Update(yTrue, yPred, null);

    /// <summary>Adds a batch of targets and predictions.</summary>
    /// <param name="yTrue">Targets, batch first.</param>
    /// <param name="yPred">Predictions, batch first.</param>
    /// <param name="sampleWeight">One float per sample (batch,), or null for weights of 1.</param>
    /// <exception cref="ShapeMismatchException">The shapes do not fit each other or the weights are not one per sample.</exception>
    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight);

    public abstract double Result();
    public abstract void Reset();

    /// <summary>
    /// The running totals behind <see cref="Result"/>, so that a checkpoint taken mid-epoch resumes the
    /// epoch's value exactly; null when this metric does not support it (it then restarts from the resumed step).
    /// </summary>
    public virtual double[]? GetState() => null;

    /// <summary>Puts back totals from <see cref="GetState"/>; false when they do not fit this metric.</summary>
    public virtual bool SetState(ReadOnlySpan<double> state) => false;

    /// <summary>
    /// The weights of <paramref name="rows"/> samples as a span (empty when <paramref name="sampleWeight"/>
    /// is null: every weight is 1); read one with <see cref="WeightAt"/>.
    /// </summary>
    protected ReadOnlySpan<float> SampleWeights(Tensor? sampleWeight, int rows)
    {
        if (sampleWeight is null) return default;
        if (sampleWeight.DType != DType.Float32 || sampleWeight.Size != rows)
            throw new ShapeMismatchException($"{GetType().Name}: sample weights {sampleWeight.Shape} {sampleWeight.DType} need one float per sample ({rows}).");
        return sampleWeight.Span;
    }

    /// <summary>The weight of sample <paramref name="row"/> (1 when <paramref name="weights"/> is empty).</summary>
    protected static float WeightAt(ReadOnlySpan<float> weights, int row) => weights.IsEmpty ? 1f : weights[row];

    /// <summary>Whether a saved total is a usable number (finite).</summary>
    private protected static bool IsTotal(double value) => double.IsFinite(value);
}
