using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>CategoryEncoding</c>: integer category indices in [0, <see cref="NumTokens"/>) (int32, or float32 holding
/// whole numbers) become float vectors. "one_hot": each index its own vector, (batch) or (batch, 1) → (batch, tokens),
/// (batch, k) → (batch, k, tokens). "multi_hot" (Keras's default): 1 at every index present in the sample,
/// (batch, k) → (batch, tokens). "count": how often each index occurs in the sample. No weights, no gradient
/// (the inputs are indices). An index outside the range is an error naming the layer, as in Keras.
/// </summary>
public sealed class CategoryEncoding : Layer
{
    /// <param name="numTokens">The number of categories (≥ 1); indices must lie in [0, numTokens).</param>
    /// <param name="outputMode">"multi_hot" (Keras's default), "one_hot" or "count".</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (() is written [1] or [k]), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException"><paramref name="numTokens"/> is below 1 or the mode is none of the three.</exception>
    public CategoryEncoding(int numTokens, string outputMode = "multi_hot", string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (numTokens < 1) throw new ArgumentOutOfRangeException(nameof(numTokens), numTokens, "CategoryEncoding needs num_tokens ≥ 1.");
        if (outputMode is not ("multi_hot" or "one_hot" or "count"))
            throw new ArgumentException($"CategoryEncoding output_mode '{outputMode}' is not one of multi_hot, one_hot, count.", nameof(outputMode));
        (NumTokens, OutputMode) = (numTokens, outputMode);
    }

    /// <summary>The most categories a config may ask for (2^24): a file cannot make every sample a huge vector.</summary>
    internal const int MaxTokens = 1 << 24;

    /// <inheritdoc/>
    public override string TypeName => "CategoryEncoding";
    /// <summary>The number of categories.</summary>
    public int NumTokens { get; }
    /// <summary>"multi_hot", "one_hot" or "count".</summary>
    public string OutputMode { get; }

    internal override bool AcceptsInt32(int index) => true;

    /// <summary>Whether the last input axis becomes the tokens' axis (one_hot of more than one index per sample keeps it).</summary>
    private bool KeepsIndexAxis(Shape inputShape) => OutputMode == "one_hot" && inputShape.Rank >= 1 && inputShape[inputShape.Rank - 1] != 1;

    /// <summary>(tokens) for multi_hot/count and one index per sample; (k, tokens) for one_hot of k indices.</summary>
    /// <exception cref="ShapeMismatchException">The input has more than one per-sample axis.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank > 1)
            throw new ShapeMismatchException($"Layer '{Name}' (CategoryEncoding) expects indices (batch) or (batch, k), got {inputShape.ToBatchString()}.");
        return KeepsIndexAxis(inputShape) ? new Shape(inputShape[0], NumTokens) : new Shape(NumTokens);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var perSample = x.Shape.WithoutBatch();
        var output = Tensor.Zeros(ComputeOutputShape(perSample).WithBatch(x.Shape[0]));
        int batch = x.Shape[0], k = batch == 0 ? 0 : x.Size / batch;
        var y = output.Span;
        bool oneHot = OutputMode == "one_hot";
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < k; j++)
            {
                int i = n * k + j, index = Index(x, i);
                int at = oneHot ? i * NumTokens + index : n * NumTokens + index;
                y[at] = OutputMode == "count" ? y[at] + 1f : 1f;
            }
        return output;
    }

    private int Index(Tensor x, int i)
    {
        if (x.DType == DType.Int32)
        {
            int v = x.IntSpan[i];
            return v >= 0 && v < NumTokens ? v : throw OutOfRange(v.ToString(System.Globalization.CultureInfo.InvariantCulture), x.Shape);
        }
        float f = x.Span[i];
        return f >= 0f && f < NumTokens && f == MathF.Floor(f) ? (int)f : throw OutOfRange(f.ToString(System.Globalization.CultureInfo.InvariantCulture), x.Shape);
    }

    private DeepSharpException OutOfRange(string value, Shape shape) =>
        new($"Layer '{Name}' (CategoryEncoding): input {shape} holds {value}; indices must be whole numbers in [0, {NumTokens}) (num_tokens {NumTokens}).");

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_tokens"] = NumTokens;
        config["output_mode"] = OutputMode;
        config["sparse"] = false;
        return config;
    }

    internal static CategoryEncoding FromConfig(LayerConfig c)
    {
        if (c.Bool("sparse", false)) throw c.Error("sparse", "is not supported (DeepSharp's tensors are dense)");
        string mode = c.String("output_mode", "multi_hot");
        if (mode is not ("multi_hot" or "one_hot" or "count")) throw c.Error("output_mode", $"'{mode}' is not one of multi_hot, one_hot, count");
        return new(c.RequiredInt("num_tokens", 1, MaxTokens), mode, c.Name, c.Shape("input_shape"));
    }
}
