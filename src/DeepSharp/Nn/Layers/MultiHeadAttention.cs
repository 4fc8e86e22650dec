using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's MultiHeadAttention: query (batch, Tq, dq) attends to key (batch, Tv, dk) and value
/// (batch, Tv, dv) (key defaults to value) with <see cref="NumHeads"/> heads. Weights as Keras's:
/// query/key/value kernels (features, heads, keyDim or valueDim) with biases (heads, dim), and
/// attention_output kernel (heads, valueDim, out) with bias (out), out = <see cref="OutputShape"/>
/// or dq. Call with an attention mask (batch, Tq, Tv) (nonzero: may attend) and/or
/// <c>useCausalMask</c>; a query that may attend to nothing outputs the output bias (its attention
/// is all zeros, where Keras would average every value). Called with one tensor (as in a Sequential
/// model) it is self-attention. <c>CallWithScores</c> (on tensors or symbolic tensors) is Keras's <c>return_attention_scores=True</c>;
/// <see cref="ProjectedAttention.Step"/> runs causal self-attention one decoding step at a time. The
/// calls, masks and steps are <see cref="ProjectedAttention"/>'s, shared with <see cref="GroupQueryAttention"/>.
/// </summary>
public sealed class MultiHeadAttention : ProjectedAttention
{
    /// <param name="numHeads">Number of attention heads, each with its own query, key and value projections.</param>
    /// <param name="keyDim">Size of each head's query and key projections (Keras's <c>key_dim</c>); scores are scaled by 1/√keyDim.</param>
    /// <param name="valueDim">Size of each head's value projection; null for <paramref name="keyDim"/>.</param>
    /// <param name="dropout">Dropout rate on the attention probabilities while training, in [0, 1).</param>
    /// <param name="useBias">Whether the query, key, value and output projections add learned biases.</param>
    /// <param name="outputShape">Features of the output (Keras's <c>output_shape</c>, a single size here); null for the query's.</param>
    /// <param name="kernelInitializer">Fills the projection kernels; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the biases; null for zeros.</param>
    /// <param name="seed">Seeds the attention dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="kernelRegularizer">A penalty on each projection kernel (query, key, value, output) added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on each projection bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output (and on the scores when a call returns them, as Keras), divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of each kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of each bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="dropout"/> is outside [0, 1).</exception>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, float dropout = 0f, bool useBias = true,
        int? outputShape = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, long? seed = null,
        string? name = null, Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null)
        : base(numHeads, numHeads, keyDim, valueDim ?? keyDim, dropout, useBias, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, seed, name)
    {
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, "MultiHeadAttention needs a positive number of heads.");
        if (keyDim <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, "MultiHeadAttention key_dim must be positive.");
        if (valueDim is <= 0) throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, "MultiHeadAttention value_dim must be positive.");
        if (outputShape is <= 0) throw new ArgumentOutOfRangeException(nameof(outputShape), outputShape, "MultiHeadAttention output_shape must be positive.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiHeadAttention dropout must be in [0, 1).");
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        OutputShape = outputShape;
    }

    /// <inheritdoc/>
    public override string TypeName => "MultiHeadAttention";
    /// <summary>Number of attention heads, each with its own query, key and value projections.</summary>
    public int NumHeads { get; }
    /// <summary>Size of each head's query and key projections.</summary>
    public int KeyDim { get; }
    /// <summary>Size of each head's value projection (the key size unless given).</summary>
    public int ValueDim { get; }
    /// <summary>Features of the output; null: those of the query.</summary>
    public int? OutputShape { get; }

    private protected override int OutputFeatures(int queryFeatures) => OutputShape ?? queryFeatures;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_heads"] = NumHeads;
        config["key_dim"] = KeyDim;
        config["value_dim"] = ValueDim;
        config["dropout"] = Dropout;
        config["use_bias"] = UseBias;
        config["output_shape"] = OutputShape;
        config["attention_axes"] = null;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        if (Seed is { } s) config["seed"] = s;
        PutPenalties(config);
        return config;
    }

    internal static MultiHeadAttention FromConfig(LayerConfig c)
    {
        if (c.Axes("attention_axes") is { } axes && !(axes.Length == 1 && axes[0] is 1 or -2))
            throw c.Error("attention_axes", $"is [{string.Join(", ", axes)}]; MultiHeadAttention attends over the sequence axis only (1 or -2)");
        int? outputShape = c.Has("output_shape") ? c.OneSize("output_shape", null) : null;
        return new MultiHeadAttention(
            c.RequiredSize("num_heads"), c.RequiredSize("key_dim"),
            c.OptionalSize("value_dim"), c.Rate("dropout", 0f), c.Bool("use_bias", true), outputShape,
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Seed(), c.Name,
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
    }
}
