using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Discretization</c> (output_mode "int"): each value becomes the index of its bucket, the number of
/// boundaries ≤ it — with boundaries [0, 1, 2]: x &lt; 0 → 0, 0 ≤ x &lt; 1 → 1, …, x ≥ 2 → 3. The boundaries are given
/// (<c>bin_boundaries</c>) or computed by <see cref="Adapt(Tensor)"/> as the quantiles that split the data into
/// <see cref="NumBins"/> equally filled buckets (exact quantiles: Keras's are approximate, so on small data its
/// boundaries may differ a little). Indices come out as float32 holding whole numbers (Keras gives int64), ready for
/// CategoryEncoding or Embedding. The boundaries are the non-trainable weight "bin_boundaries", kept in model files.
/// No gradient (the output is piecewise constant).
/// </summary>
public sealed class Discretization : Layer
{
    private readonly float[]? _given;
    private Parameter? _boundaries;

    /// <param name="binBoundaries">The sorted bucket boundaries (finite); null to compute <paramref name="numBins"/> − 1 of them with Adapt.</param>
    /// <param name="numBins">With Adapt: how many buckets (≥ 2); ignored when boundaries are given.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on Adapt or the first call.</param>
    /// <exception cref="ArgumentException">Neither or both of boundaries and bins are given, a boundary is not finite, boundaries are unsorted, or bins are below 2.</exception>
    public Discretization(float[]? binBoundaries = null, int? numBins = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if ((binBoundaries is null) == (numBins is null))
            throw new ArgumentException("Discretization: give bin_boundaries, or num_bins and call Adapt — exactly one of them.", nameof(binBoundaries));
        if (binBoundaries is { Length: 0 }) throw new ArgumentException("Discretization needs at least one bin boundary.", nameof(binBoundaries));
        if (binBoundaries is not null) CheckBoundaries(binBoundaries, $"Discretization '{Name}'");
        if (numBins is < 2) throw new ArgumentOutOfRangeException(nameof(numBins), numBins, "Discretization needs num_bins ≥ 2.");
        _given = binBoundaries?.ToArray();
        NumBins = numBins ?? binBoundaries!.Length + 1;
        IsAdapted = _given is not null;
    }

    /// <inheritdoc/>
    public override string TypeName => "Discretization";
    /// <summary>The number of buckets: boundaries + 1.</summary>
    public int NumBins { get; }
    /// <summary>Whether the boundaries were given to the constructor (then Adapt is refused).</summary>
    public bool HasGivenBoundaries => _given is not null;
    /// <summary>Whether the boundaries are set: given, adapted, or loaded from a file.</summary>
    public bool IsAdapted { get; private set; }
    /// <summary>The boundaries (null until built).</summary>
    public Tensor? BinBoundaries => _boundaries?.Value;

    internal override bool AcceptsInt32(int index) => true;

    /// <summary>Refuses boundaries that are not finite or not sorted (non-decreasing), naming <paramref name="owner"/>.</summary>
    internal static void CheckBoundaries(ReadOnlySpan<float> boundaries, string owner)
    {
        if (BoundaryProblem(boundaries) is { } problem) throw new ArgumentException($"{owner}: bin {problem}.");
    }

    /// <summary>Why <paramref name="boundaries"/> are not valid (a boundary not finite, or out of order), or null.</summary>
    private static string? BoundaryProblem(ReadOnlySpan<float> boundaries)
    {
        for (int i = 0; i < boundaries.Length; i++)
        {
            if (!float.IsFinite(boundaries[i])) return $"boundary [{i}] is {boundaries[i]}; boundaries must be finite numbers";
            if (i > 0 && boundaries[i] < boundaries[i - 1])
                return $"boundaries are not sorted ([{i - 1}] = {boundaries[i - 1]} > [{i}] = {boundaries[i]})";
        }
        return null;
    }

    /// <summary>
    /// Computes the <see cref="NumBins"/> − 1 boundaries from <paramref name="data"/> (all values, samples on axis 0):
    /// boundary i is the value at rank ⌊i·n/bins⌋ of the sorted data, building the layer if needed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The boundaries were given to the constructor.</exception>
    /// <exception cref="ArgumentException">The data holds no value, or a value that is not finite.</exception>
    public void Adapt(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (HasGivenBoundaries) throw new InvalidOperationException($"Discretization '{Name}' was given its bin boundaries; Adapt would replace them.");
        var values = data.DType == DType.Int32 ? data.ToFloat().ToArray() : data.ToArray();
        if (values.Length == 0) throw new ArgumentException($"Discretization '{Name}': Adapt was given no values ({data.Shape}).", nameof(data));
        foreach (float v in values)
            if (!float.IsFinite(v)) throw new ArgumentException($"Discretization '{Name}': Adapt data {data.Shape} holds {v}; values must be finite.", nameof(data));
        if (!IsBuilt) Build(data.Shape.WithoutBatch());
        Array.Sort(values);
        var b = _boundaries!.Value.Span;
        for (int i = 1; i < NumBins; i++) b[i - 1] = values[(int)((long)i * values.Length / NumBins)];
        IsAdapted = true;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _boundaries = AddWeight("bin_boundaries", new Shape(NumBins - 1), Initializer.Zeros, trainable: false);
        // Checked before a file's weights are copied, so a refused file changes nothing.
        _boundaries.BeforeLoad = values => BoundaryProblem(values) is { } problem ? $"is refused by layer '{Name}' (Discretization): bin {problem}" : null;
        _given?.CopyTo(_boundaries.Value.Span);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!IsAdapted) throw new DeepSharpException($"Layer '{Name}' (Discretization) has no bin boundaries yet: call Adapt (num_bins {NumBins}) or give bin_boundaries.");
        var boundaries = _boundaries!.Value.Span;
        var y = Tensor.Empty(x.Shape);
        var output = y.Span;
        var values = x.DType == DType.Int32 ? x.ToFloat().Span : x.Span;
        for (int i = 0; i < output.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v)) throw new DeepSharpException($"Layer '{Name}' (Discretization): input {x.Shape} holds NaN at element {i}; it has no bucket.");
            int lo = 0, hi = boundaries.Length; // the number of boundaries ≤ v (upper bound)
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (boundaries[mid] <= v) lo = mid + 1; else hi = mid;
            }
            output[i] = lo;
        }
        return y;
    }

    /// <inheritdoc/>
    internal override void CheckLoadedWeights(string where)
    {
        try { CheckBoundaries(_boundaries!.Value.Span, $"{where}: layer '{Name}' (Discretization)"); }
        catch (ArgumentException e) { throw new DataFormatException(e.Message, e); }
        IsAdapted = true;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["bin_boundaries"] = _given is null ? null : new JsonArray([.. _given.Select(v => (JsonNode)v)]);
        config["num_bins"] = _given is null ? NumBins : null;
        config["output_mode"] = "int";
        return config;
    }

    internal static Discretization FromConfig(LayerConfig c)
    {
        string mode = c.String("output_mode", "int");
        if (mode != "int") throw c.Error("output_mode", $"'{mode}' is not supported; DeepSharp's Discretization gives bucket indices (\"int\"): follow it with CategoryEncoding");
        float[]? boundaries = NormalizationStatistics.ReadList(c, "bin_boundaries");
        int? bins = c.OptionalInt("num_bins", 2, CategoryEncoding.MaxTokens);
        if (boundaries is not null) bins = null; // Keras ignores num_bins when boundaries are given
        try
        {
            return new Discretization(boundaries, bins, c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw c.Error(boundaries is null ? "num_bins" : "bin_boundaries", $"does not make a layer ({e.Message})");
        }
    }
}
