using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

// Shape legend: B batch, Tq queries, Tv keys and values, Hq query heads, Hkv key/value heads, D head_dim, F query features.

/// <summary>
/// Keras's <c>GroupQueryAttention</c> (Ainslie et al., 2023): <see cref="NumQueryHeads"/> query heads
/// share <see cref="NumKeyValueHeads"/> key and value heads, each key/value head serving
/// Hq/Hkv consecutive query heads (1 key/value head: multi-query attention; as many as query heads:
/// <see cref="MultiHeadAttention"/>). Weights as Keras's: query/kernel (F, Hq, D), key/kernel and
/// value/kernel (features, Hkv, D), their biases (heads, D), attention_output/kernel (Hq, D, F) and
/// bias (F); the output has the query's features. Scores are scaled by 1/√D. Call with query, value,
/// key (default value), an attention mask (B, Tq, Tv) (nonzero: may attend) and/or
/// <c>useCausalMask</c>; a query that may attend to nothing outputs the output bias (Keras would
/// average every value). Called with one tensor (as in a Sequential model) it is self-attention.
/// <see cref="ProjectedAttention.Step"/> decodes one step at a time with a <see cref="KvCache"/> that
/// holds the Hkv key/value heads only. The calls, masks and steps are <see cref="ProjectedAttention"/>'s,
/// shared with MultiHeadAttention.
/// </summary>
public sealed class GroupQueryAttention : ProjectedAttention
{
    /// <param name="headDim">Size of each head's query, key and value projections (Keras's <c>head_dim</c>).</param>
    /// <param name="numQueryHeads">Number of query heads.</param>
    /// <param name="numKeyValueHeads">Number of key and value heads (groups); must divide <paramref name="numQueryHeads"/>.</param>
    /// <param name="dropout">Dropout rate on the attention probabilities while training, in [0, 1).</param>
    /// <param name="useBias">Whether the query, key, value and output projections add learned biases.</param>
    /// <param name="flashAttention">Keras's switch for a flash-attention kernel: null or false. DeepSharp's fused attention
    /// kernel runs always, so true (a request for a backend's flash attention) is refused.</param>
    /// <param name="kernelInitializer">Fills the projection kernels; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the biases; null for zeros.</param>
    /// <param name="kernelRegularizer">A penalty on each projection kernel added to the training loss; null for none.</param>
    /// <param name="biasRegularizer">A penalty on each projection bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of each kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of each bias after each optimizer step; null for none.</param>
    /// <param name="seed">Seeds the attention dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="dropout"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentException"><paramref name="numQueryHeads"/> is not a multiple of <paramref name="numKeyValueHeads"/>, or <paramref name="flashAttention"/> is true.</exception>
    public GroupQueryAttention(int headDim, int numQueryHeads, int numKeyValueHeads, float dropout = 0f, bool useBias = true, bool? flashAttention = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, long? seed = null, string? name = null)
        : base(numQueryHeads, numKeyValueHeads, headDim, headDim, dropout, useBias, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed, name)
    {
        if (headDim <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "GroupQueryAttention head_dim must be positive.");
        if (numQueryHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numQueryHeads), numQueryHeads, "GroupQueryAttention num_query_heads must be positive.");
        if (numKeyValueHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numKeyValueHeads), numKeyValueHeads, "GroupQueryAttention num_key_value_heads must be positive.");
        if (numQueryHeads % numKeyValueHeads != 0)
            throw new ArgumentException($"GroupQueryAttention num_query_heads ({numQueryHeads}) must be a multiple of num_key_value_heads ({numKeyValueHeads}): " +
                "each key/value head serves the same number of query heads.", nameof(numKeyValueHeads));
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "GroupQueryAttention dropout must be in [0, 1).");
        if (flashAttention == true)
            throw new ArgumentException("GroupQueryAttention flash_attention=True asks for a backend's flash-attention kernel, which DeepSharp does not have; " +
                "leave it null or false (DeepSharp's fused attention kernel runs always).", nameof(flashAttention));
        HeadDim = headDim;
        NumQueryHeads = numQueryHeads;
        NumKeyValueHeads = numKeyValueHeads;
    }

    /// <inheritdoc/>
    public override string TypeName => "GroupQueryAttention";
    /// <summary>Size of each head's query, key and value projections.</summary>
    public int HeadDim { get; }
    /// <summary>Number of query heads.</summary>
    public int NumQueryHeads { get; }
    /// <summary>Number of key and value heads; each serves <see cref="NumQueryHeads"/> / this many query heads (and a <see cref="KvCache"/> holds this many).</summary>
    public int NumKeyValueHeads { get; }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["head_dim"] = HeadDim;
        config["num_query_heads"] = NumQueryHeads;
        config["num_key_value_heads"] = NumKeyValueHeads;
        config["use_bias"] = UseBias;
        config["dropout"] = Dropout;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        PutPenalties(config);
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static GroupQueryAttention FromConfig(LayerConfig c)
    {
        int headDim = c.RequiredSize("head_dim"), query = c.RequiredSize("num_query_heads"), keyValue = c.RequiredSize("num_key_value_heads");
        if (query % keyValue != 0) throw c.Error("num_key_value_heads", $"is {keyValue}, which does not divide num_query_heads ({query})");
        if (c.Has("flash_attention") && c.Json["flash_attention"] is JsonValue f && f.TryGetValue(out bool flash) && flash)
            throw c.Error("flash_attention", "is true; DeepSharp has no flash-attention kernel (its fused attention kernel runs always)");
        return new GroupQueryAttention(headDim, query, keyValue, c.Rate("dropout", 0f), c.Bool("use_bias", true), null,
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.Seed(), c.Name);
    }
}
