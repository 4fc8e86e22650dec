using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's preprocessing <c>Normalization</c>: (x − mean) / max(√variance, 1e-7), with one mean and variance per
/// position of the kept <see cref="Axis"/> (−1 by default: one per feature), taken over every other axis by
/// <see cref="Adapt(Tensor)"/> or given up front. With <see cref="Invert"/> it maps normalised values back:
/// mean + x·max(√variance, 1e-7). The statistics are the non-trainable weights "mean" and "variance", so they are
/// kept in model files and checkpoints, counted in Summary's non-trainable params and untouched by training.
/// Before Adapt (and without given statistics) mean is 0 and variance 1: the layer passes values through.
/// </summary>
public sealed class Normalization : Layer
{
    /// <summary>Keras's <c>backend.epsilon()</c>: the smallest standard deviation divided by.</summary>
    public const float MinStandardDeviation = 1e-7f;

    private readonly float[]? _givenMean, _givenVariance;
    private Parameter? _mean, _variance;
    private Shape _broadcast; // (1, kept sizes or 1 ...): the statistics as they broadcast against a batch

    /// <param name="axis">The axis that keeps its own statistics, counted as Keras does with the batch axis (−1 the last); 0 is refused.</param>
    /// <param name="mean">The mean to use instead of Adapt's (Keras's <c>mean</c>): one value, or one per position of the kept axes; needs <paramref name="variance"/>.</param>
    /// <param name="variance">The variance to use with <paramref name="mean"/>: finite and not negative.</param>
    /// <param name="invert">Map normalised values back to the data's scale (Keras's <c>invert</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on Adapt or the first call.</param>
    /// <exception cref="ArgumentException">The axis is 0, only one of mean and variance is given, or a value is not finite (a variance negative).</exception>
    public Normalization(int axis = -1, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null, int[]? inputShape = null)
        : this([axis], mean, variance, invert, name, inputShape) { }

    /// <param name="axis">The axes that keep their own statistics (e.g. [1, 2] for one per pixel of (height, width) images);
    /// empty or null for one mean and variance over everything (Keras's <c>axis=None</c>).</param>
    /// <param name="mean">The mean to use instead of Adapt's: one value, or one per position of the kept axes; needs <paramref name="variance"/>.</param>
    /// <param name="variance">The variance to use with <paramref name="mean"/>: finite and not negative.</param>
    /// <param name="invert">Map normalised values back to the data's scale.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on Adapt or the first call.</param>
    /// <exception cref="ArgumentException">An axis is 0 or repeated, only one of mean and variance is given, or a value is not finite (a variance negative).</exception>
    public Normalization(int[]? axis, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        axis ??= [];
        if (axis.Contains(0)) throw new ArgumentException("Normalization cannot keep statistics per batch position (axis 0).", nameof(axis));
        if (axis.Distinct().Count() != axis.Length) throw new ArgumentException($"Normalization: axis [{string.Join(", ", axis)}] repeats an axis.", nameof(axis));
        if ((mean is null) != (variance is null))
            throw new ArgumentException("Normalization: give both mean and variance, or neither (then Adapt computes them).", mean is null ? nameof(mean) : nameof(variance));
        if (mean is not null) NormalizationStatistics.Check(mean, variance!, $"Normalization '{Name}'");
        Axis = [.. axis];
        (_givenMean, _givenVariance, Invert) = (mean?.ToArray(), variance?.ToArray(), invert);
    }

    /// <inheritdoc/>
    public override string TypeName => "Normalization";

    /// <summary>The kept axes as given (counted with the batch axis); empty: one mean and variance for all values.</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <summary>Whether the layer maps normalised values back (mean + x·std) instead of normalising.</summary>
    public bool Invert { get; }

    /// <summary>Whether the statistics were given to the constructor (then Adapt is refused).</summary>
    public bool HasGivenStatistics => _givenMean is not null;

    /// <summary>Whether <see cref="Adapt(Tensor)"/> has run on this layer (or the statistics were given or loaded from a file).</summary>
    public bool IsAdapted { get; private set; }

    /// <summary>The mean per kept position (null until built).</summary>
    public Tensor? Mean => _mean?.Value;

    /// <summary>The variance per kept position (null until built).</summary>
    public Tensor? Variance => _variance?.Value;

    /// <summary>
    /// Computes the mean and variance of <paramref name="data"/> (samples on axis 0) over every axis but the kept ones,
    /// as Keras's <c>adapt</c>, building the layer for the data's per-sample shape if it is not built yet.
    /// </summary>
    /// <exception cref="InvalidOperationException">The statistics were given to the constructor.</exception>
    /// <exception cref="ShapeMismatchException">The data's per-sample shape differs from the built one, or the data is neither float32 nor int32.</exception>
    /// <exception cref="ArgumentException">The data holds no sample, or a value that is not finite.</exception>
    public void Adapt(Tensor data) => Adapt([data]);

    /// <summary>
    /// As <see cref="Adapt(Tensor)"/>, over batches read in turn (e.g. a data set too large for one tensor); a
    /// <c>DataLoader</c>'s inputs with <c>layer.Adapt(loader)</c> (<c>DeepSharp.Training</c>).
    /// </summary>
    public void Adapt(IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (HasGivenStatistics)
            throw new InvalidOperationException($"Normalization '{Name}' was given its mean and variance; Adapt would replace them. Create it without them to adapt.");
        NormalizationStatistics? statistics = null;
        foreach (var batch in batches)
        {
            ArgumentNullException.ThrowIfNull(batch);
            var data = batch.DType == DType.Int32 ? batch.ToFloat() : batch; // whole-number features, as Keras casts them
            if (data.DType != DType.Float32) throw new ShapeMismatchException($"Normalization '{Name}': Adapt takes float32 data, got {batch.DType} {batch.Shape}.");
            if (data.Rank < 1) throw new ShapeMismatchException($"Normalization '{Name}': Adapt takes samples on axis 0, got a scalar.");
            if (!IsBuilt) Build(data.Shape.WithoutBatch());
            if (data.Shape.WithoutBatch() != BuiltInputShape)
                throw ShapeError(BuiltInputShape!.Value.ToBatchString(), data.Shape.WithoutBatch());
            statistics ??= new NormalizationStatistics(_broadcast, BuiltInputShape!.Value);
            statistics.Add(data.Span);
        }
        if (statistics is null || statistics.Samples == 0) throw new ArgumentException($"Normalization '{Name}': Adapt was given no samples.", nameof(batches));
        statistics.Write(_mean!.Value.Span, _variance!.Value.Span, $"Normalization '{Name}'");
        IsAdapted = true;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        int rank = inputShape.Rank + 1;
        var dims = new int[rank];
        Array.Fill(dims, 1);
        var kept = new List<int>();
        foreach (int a in Axis)
        {
            int r = a < 0 ? a + rank : a;
            if (r < 1 || r >= rank)
                throw new ShapeMismatchException($"Layer '{Name}' (Normalization): axis {a} is {(r == 0 ? "the batch axis" : "outside")} inputs {inputShape.ToBatchString()}.");
            if (kept.Contains(r)) throw new ShapeMismatchException($"Layer '{Name}' (Normalization): axis {a} is given twice for inputs {inputShape.ToBatchString()}.");
            kept.Add(r);
            dims[r] = inputShape[r - 1];
        }
        _broadcast = new Shape(dims);
        kept.Sort();
        var parameterShape = kept.Count == 0 ? new Shape(1) : new Shape([.. kept.Select(r => dims[r])]);
        _mean = AddWeight("mean", parameterShape, Initializer.Zeros, trainable: false);
        _variance = AddWeight("variance", parameterShape, Initializer.Ones, trainable: false);
        _variance.BeforeLoad = v => NormalizationStatistics.VarianceRefusal(v) is { } p ? $"is refused by layer '{Name}' (Normalization): {p}" : null; // checked before a file's weights are copied, so a refused file changes nothing
        if (_givenMean is null) return;
        Fill(_mean.Value.Span, _givenMean, "mean");
        Fill(_variance.Value.Span, _givenVariance!, "variance");
        IsAdapted = true;
    }

    private void Fill(Span<float> target, float[] given, string what)
    {
        if (given.Length == 1) target.Fill(given[0]);
        else if (given.Length == target.Length) given.CopyTo(target);
        else throw new ShapeMismatchException($"Layer '{Name}' (Normalization): {what} has {given.Length} values; the kept axes " +
            $"[{string.Join(", ", Axis)}] of inputs {BuiltInputShape?.ToBatchString()} need 1 or {target.Length}.");
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var mean = _mean!.Value.TempView(_broadcast);
        var std = Tensor.Temp(_broadcast);
        NormalizationStatistics.StandardDeviation(_variance!.Value.Span, _mean.Value.Span, std.Span, $"Layer '{Name}' (Normalization)");
        return Invert ? Ops.Add(Ops.Multiply(x, std), mean) : Ops.Divide(Ops.Subtract(x, mean), std);
    }

    /// <summary>The statistics' shape as they broadcast against a batch: 1 on the batch axis and every reduced axis (ONNX's initializer dims).</summary>
    internal long[] BroadcastDims => [.. _broadcast.Dims.ToArray().Select(d => (long)d)];

    /// <inheritdoc/>
    internal override void CheckLoadedWeights(string where)
    {
        try { NormalizationStatistics.StandardDeviation(_variance!.Value.Span, _mean!.Value.Span, null, $"{where}: layer '{Name}' (Normalization)"); }
        catch (ArgumentException e) { throw new DataFormatException(e.Message, e); }
        IsAdapted = true;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = new JsonArray([.. Axis.Select(a => (JsonNode)a)]);
        config["invert"] = Invert;
        config["mean"] = _givenMean is null ? null : new JsonArray([.. _givenMean.Select(v => (JsonNode)v)]);
        config["variance"] = _givenVariance is null ? null : new JsonArray([.. _givenVariance.Select(v => (JsonNode)v)]);
        return config;
    }

    internal static Normalization FromConfig(LayerConfig c)
    {
        int[] axis = c.Json["axis"] is JsonArray { Count: 0 } ? [] : c.Axes("axis") ?? [-1];
        float[]? mean = NormalizationStatistics.ReadList(c, "mean"), variance = NormalizationStatistics.ReadList(c, "variance");
        try
        {
            return new Normalization(axis, mean, variance, c.Bool("invert", false), c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw c.Error(e.ParamName ?? "axis", $"does not make a layer ({e.Message})");
        }
    }
}
