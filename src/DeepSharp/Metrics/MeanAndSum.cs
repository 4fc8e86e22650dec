using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// Values of your own reduced over a custom loop (Keras's Mean and Sum): <c>Update(values, sampleWeight)</c> adds a
/// tensor of values (a scalar loss, a batch of scores), <see cref="Metric.Result"/> reads the running value,
/// <see cref="Metric.Reset"/> starts again. They take no targets and predictions, so they are not compiled into a model
/// (Keras's Mean and Sum cannot be either); Compile's metrics are the ones that compare targets with predictions.
/// </summary>
public abstract class ValueMetric : Metric
{
    private readonly string _name;

    private protected ValueMetric(string name) =>
        _name = !string.IsNullOrEmpty(name) ? name : throw new ArgumentException("A metric's name must not be empty.", nameof(name));

    /// <summary>The name given (Keras's <c>name</c>): "mean" or "sum" by default.</summary>
    public override string Name => _name;

    /// <summary>Adds values; every sample (first axis; a scalar is one sample) weighs 1.</summary>
    public void Update(Tensor values) => Update(values, (Tensor?)null);

    /// <summary>Adds one value with a weight (a weight of 0 leaves it out).</summary>
    public void Update(double value, double sampleWeight = 1)
    {
        if (!double.IsFinite(sampleWeight)) throw new ArgumentOutOfRangeException(nameof(sampleWeight), sampleWeight, $"{GetType().Name}: a sample weight must be a finite number.");
        Add(value * sampleWeight, sampleWeight, 1);
    }

    /// <summary>
    /// Adds values with weights: null (each sample weighs 1), one weight (every value), one per sample (the first axis),
    /// or one per value. Each sample counts with its values' mean (Mean) or sum (Sum), as Keras reduces them.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The weights are none of these shapes.</exception>
    public new void Update(Tensor values, Tensor? sampleWeight)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToFloat().Span;
        int samples = values.Rank == 0 ? 1 : values.Shape[0];
        int perSample = samples == 0 ? 0 : v.Length / samples;
        if (sampleWeight is null)
        {
            for (int i = 0; i < samples; i++) AddSample(v.Slice(i * perSample, perSample), default, 1);
            return;
        }
        if (sampleWeight.DType != DType.Float32)
            throw new ShapeMismatchException($"{GetType().Name}: sample weights {sampleWeight.Shape} {sampleWeight.DType} must be float32.");
        var w = sampleWeight.Span;
        if (w.Length == 1 && v.Length != 1 && samples != 1)
            for (int i = 0; i < samples; i++) AddSample(v.Slice(i * perSample, perSample), default, w[0]);
        else if (w.Length == samples)
            for (int i = 0; i < samples; i++) AddSample(v.Slice(i * perSample, perSample), default, w[i]);
        else if (w.Length == v.Length)
            for (int i = 0; i < samples; i++) AddSample(v.Slice(i * perSample, perSample), w.Slice(i * perSample, perSample), 1);
        else
            throw new ShapeMismatchException($"{GetType().Name}: sample weights {sampleWeight.Shape} fit neither the values {values.Shape} nor their {samples} samples.");
    }

    /// <summary>
    /// Always throws: this metric reduces values of your own and has no meaning for targets and predictions
    /// (Keras's Mean and Sum cannot be compiled either).
    /// </summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight) =>
        throw new InvalidOperationException($"{GetType().Name} '{Name}' reduces values of your own: call Update(values) or Update(values, sampleWeight). " +
            "It compares no targets with predictions, so it is not a metric to Compile (nor is Keras's); use one such as MeanSquaredError, or a Metric of your own.");

    /// <summary>One sample: its values, their weights (empty: all <paramref name="weight"/>).</summary>
    private void AddSample(ReadOnlySpan<float> values, ReadOnlySpan<float> weights, double weight)
    {
        double weighted = 0, weightSum = 0;
        for (int j = 0; j < values.Length; j++)
        {
            double wj = weights.IsEmpty ? weight : weights[j];
            weighted += values[j] * wj;
            weightSum += wj;
        }
        Add(weighted, weightSum, values.Length);
    }

    /// <summary>
    /// Adds one sample: the sum of its weighted values, the sum of its values' weights, and how many values it has.
    /// </summary>
    private protected abstract void Add(double weightedSum, double weightSum, int count);
}

/// <summary>
/// The weighted mean of values added with Update (Keras's Mean, e.g. a loss tracker in a custom loop): each sample's
/// values are averaged, then Σ wᵢ·meanᵢ / Σ wᵢ (0 while the weights sum to 0).
/// </summary>
/// <param name="name">The name in logs.</param>
public sealed class Mean(string name = "mean") : ValueMetric(name)
{
    private double _total, _count;

    /// <summary>The weighted mean; 0 while the weights sum to 0.</summary>
    public override double Result() => _count == 0 ? 0 : _total / _count;
    /// <inheritdoc/>
    public override void Reset() => (_total, _count) = (0, 0);
    /// <summary>The weighted sum and the sum of weights (additive across ranks).</summary>
    public override double[]? GetState() => [_total, _count];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2 || !IsTotal(state[0]) || !IsTotal(state[1])) return false;
        (_total, _count) = (state[0], state[1]);
        return true;
    }

    private protected override void Add(double weightedSum, double weightSum, int count)
    {
        if (count == 0) return;
        _total += weightedSum / count;
        _count += weightSum / count;
    }
}

/// <summary>The weighted sum of values added with Update (Keras's Sum): Σ wᵢ·vᵢ.</summary>
/// <param name="name">The name in logs.</param>
public sealed class Sum(string name = "sum") : ValueMetric(name)
{
    private double _total;

    /// <summary>The weighted sum; 0 before any update.</summary>
    public override double Result() => _total;
    /// <inheritdoc/>
    public override void Reset() => _total = 0;
    /// <summary>The weighted sum (additive across ranks).</summary>
    public override double[]? GetState() => [_total];

    /// <inheritdoc/>
    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 1 || !IsTotal(state[0])) return false;
        _total = state[0];
        return true;
    }

    private protected override void Add(double weightedSum, double weightSum, int count) => _total += weightedSum;
}
