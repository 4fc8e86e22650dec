using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DeepSharp.Nn.Hashes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Hashing</c>: each integer value (int32, or float32 holding whole numbers) or string becomes a bin in
/// [0, <see cref="NumBins"/>), the same bin Keras gives: an integer is hashed as its decimal text (Keras converts integers
/// with <c>tf.as_string</c>), with FarmHash's Fingerprint64, or with SipHash-2-4 keyed by the salt when one is given (Keras's
/// <c>salt</c>: one integer stands for the pair [salt, salt]), modulo the bins. With <c>maskValue</c> that value is bin 0
/// and the others hash into bins 1 … numBins − 1. Strings (outside the float tensors) go through <see cref="HashStrings"/>.
/// <c>outputMode</c> "int" (float32 whole numbers; Keras gives int64), "one_hot", "multi_hot", "count". No weights, no
/// gradient; no ONNX rule (ONNX has no FarmHash): export names the layer.
/// </summary>
public sealed class Hashing : Layer
{
    /// <param name="numBins">The number of bins, the mask's bin included (≥ 1).</param>
    /// <param name="maskValue">The integer value that goes to bin 0; null: none.</param>
    /// <param name="salt">SipHash's key (k0, k1) instead of FarmHash; null: FarmHash (Keras's default).</param>
    /// <param name="outputMode">"int" (Keras's default), "one_hot", "multi_hot" or "count".</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer.</param>
    /// <exception cref="ArgumentException">Fewer than one bin, or an unknown mode.</exception>
    public Hashing(int numBins, long? maskValue = null, (long K0, long K1)? salt = null, string outputMode = "int", string? name = null, int[]? inputShape = null)
        : this(numBins, maskValue?.ToString(CultureInfo.InvariantCulture), salt, outputMode, name, inputShape)
    {
    }

    /// <summary>A Hashing layer for strings whose mask is a string (Keras's <c>mask_value=''</c>); see <see cref="HashStrings"/>.</summary>
    public Hashing(int numBins, string? maskValue, (long K0, long K1)? salt = null, string outputMode = "int", string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (numBins is < 1 or > CategoryEncoding.MaxTokens) throw new ArgumentOutOfRangeException(nameof(numBins), numBins, $"Hashing needs num_bins in [1, {CategoryEncoding.MaxTokens}].");
        if (!CategoricalOutput.IsMode(outputMode)) throw new ArgumentException($"Hashing output_mode '{outputMode}' is not one of int, one_hot, multi_hot, count.", nameof(outputMode));
        (NumBins, MaskValue, Salt, OutputMode) = (numBins, maskValue, salt, outputMode);
    }

    /// <inheritdoc/>
    public override string TypeName => "Hashing";
    /// <summary>The number of bins, the mask's included.</summary>
    public int NumBins { get; }
    /// <summary>The value (as Keras hashes it: integers as decimal text) that goes to bin 0, or null.</summary>
    public string? MaskValue { get; }
    /// <summary>SipHash's key, or null for FarmHash.</summary>
    public (long K0, long K1)? Salt { get; }
    /// <summary>"int", "one_hot", "multi_hot" or "count".</summary>
    public string OutputMode { get; }

    internal override bool AcceptsInt32(int index) => true;

    /// <summary>The bin of one string or integer's decimal text, as Keras computes it.</summary>
    public int Bin(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        bool masked = MaskValue is not null && NumBins > 1;
        if (masked && value == MaskValue) return 0;
        ulong bins = (ulong)(masked ? NumBins - 1 : NumBins);
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> utf8 = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(value, utf8);
        ulong hash = Salt is { } key ? SipHash24.Hash((ulong)key.K0, (ulong)key.K1, utf8) : FarmHashFingerprint.Hash64(utf8);
        return (int)(hash % bins) + (masked ? 1 : 0);
    }

    /// <summary>
    /// The layer's output for strings laid out as a (values.Count / rows … ) batch: <paramref name="shape"/> gives the
    /// batch shape (batch first; null: (count, 1), Keras's [['A'], ['B']]).
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not hold the values.</exception>
    public Tensor HashStrings(IReadOnlyList<string> values, int[]? shape = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var batchShape = new Shape(shape ?? [values.Count, 1]);
        if (batchShape.Size != values.Count) throw new ArgumentException($"Hashing '{Name}': shape {batchShape} does not hold {values.Count} strings.", nameof(shape));
        var bins = new int[values.Count];
        for (int i = 0; i < bins.Length; i++) bins[i] = Bin(values[i] ?? throw new ArgumentException($"Hashing '{Name}': string [{i}] is null.", nameof(values)));
        return CategoricalOutput.Encode(OutputMode, bins, batchShape, NumBins, $"Layer '{Name}' (Hashing)");
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => CategoricalOutput.OutputShape(OutputMode, inputShape, NumBins, $"Layer '{Name}' (Hashing)");

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var bins = new int[x.Size];
        for (int i = 0; i < bins.Length; i++)
        {
            long value;
            if (x.DType == DType.Int32) value = x.IntSpan[i];
            else
            {
                float f = x.Span[i];
                if (f != MathF.Floor(f) || !float.IsFinite(f))
                    throw new DeepSharpException($"Layer '{Name}' (Hashing): input {x.Shape} holds {f.ToString(CultureInfo.InvariantCulture)} at element {i}; Keras hashes integers and strings, so values must be whole numbers.");
                value = (long)f;
            }
            bins[i] = Bin(value.ToString(CultureInfo.InvariantCulture));
        }
        return CategoricalOutput.Encode(OutputMode, bins, x.Shape, NumBins, $"Layer '{Name}' (Hashing)");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_bins"] = NumBins;
        config["mask_value"] = MaskValue is null ? null
            : long.TryParse(MaskValue, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long m) && m.ToString(CultureInfo.InvariantCulture) == MaskValue ? (JsonNode)m : (JsonNode)MaskValue;
        config["salt"] = Salt is { } s ? new JsonArray(s.K0, s.K1) : null;
        config["output_mode"] = OutputMode;
        config["sparse"] = false;
        return config;
    }

    internal static Hashing FromConfig(LayerConfig c)
    {
        if (c.Bool("sparse", false)) throw c.Error("sparse", "is not supported (DeepSharp's tensors are dense)");
        string mode = c.String("output_mode", "int");
        if (!CategoricalOutput.IsMode(mode)) throw c.Error("output_mode", $"'{mode}' is not one of int, one_hot, multi_hot, count");
        string? mask = c.Json["mask_value"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out long l) => l.ToString(CultureInfo.InvariantCulture),
            JsonValue => c.OptionalString("mask_value"),
            _ => throw c.Error("mask_value", "must be an integer or a string"),
        };
        (long, long)? salt = c.Json["salt"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out long one) => (one, one),
            JsonArray { Count: 2 } a when a[0] is JsonValue k0 && k0.TryGetValue(out long l0) && a[1] is JsonValue k1 && k1.TryGetValue(out long l1) => (l0, l1),
            _ => throw c.Error("salt", "must be an integer or a list of two integers"),
        };
        return new Hashing(c.RequiredInt("num_bins", 1, CategoryEncoding.MaxTokens), mask, salt, mode, c.Name, c.Shape("input_shape"));
    }
}
