using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A Transformer encoder block (keras_hub's TransformerEncoder, pre-LN by default):
/// x + MultiHeadAttention(LN(x)) over the whole sequence, then x + FFN(LN(x)) with GELU, dropout
/// after each. Sublayers: self_attention_layer, self_attention_layer_norm, self_attention_dropout,
/// feedforward_layer_norm, feedforward_intermediate_dense, feedforward_output_dense,
/// feedforward_dropout. Optional masks: a padding mask (batch, T), nonzero for real tokens, and an
/// attention mask (batch, T, T); a propagated mask (Embedding with maskZero) is the padding mask.
/// </summary>
public sealed class TransformerEncoderBlock : TransformerBlock
{
    private static readonly string[] TensorKeywords = ["padding_mask", "attention_mask"];

    private MultiHeadAttention? _attention;
    private LayerNormalization? _attentionNorm;
    private Dropout? _attentionDropout;

    /// <param name="numHeads">Number of heads of each attention sublayer.</param>
    /// <param name="intermediateDim">Units of the feed-forward network's hidden layer (keras_hub's <c>intermediate_dim</c>).</param>
    /// <param name="keyDim">Size of each attention head; null for features / numHeads.</param>
    /// <param name="dropout">Dropout rate of the attention probabilities and of each sublayer's output while training, in [0, 1).</param>
    /// <param name="activation">The feed-forward network's activation; null for GELU.</param>
    /// <param name="layerNormEpsilon">The ε of the block's layer normalisations (keras_hub's 1e-5).</param>
    /// <param name="normalizeFirst">True (the default): pre-LN, each sublayer normalises its input; false: post-LN, the residual sum is normalised.</param>
    /// <param name="kernelInitializer">Fills the kernels of the attention and feed-forward sublayers; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills their biases; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="dropout"/> is outside [0, 1), or <paramref name="layerNormEpsilon"/> is not positive.</exception>
    public TransformerEncoderBlock(int numHeads, int intermediateDim, int? keyDim = null, float dropout = 0f, Activation? activation = null,
        float layerNormEpsilon = 1e-5f, bool normalizeFirst = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null)
        : base(numHeads, intermediateDim, keyDim, dropout, activation, layerNormEpsilon, normalizeFirst, kernelInitializer, biasInitializer, name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "TransformerEncoderBlock";

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        RequireSequence(inputShape, "inputs");
        _attentionNorm = NewNorm("self_attention_layer_norm", inputShape);
        _attention = NewAttention("self_attention_layer", inputShape[1]);
        _attention.Build(inputShape, inputShape);
        _attentionDropout = NewDropout("self_attention_dropout", inputShape);
        BuildFeedforward(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Encode(x, null, training);

    /// <summary>The self-attention sublayer and its LayerNorm (for the ONNX export).</summary>
    internal (LayerNormalization Norm, MultiHeadAttention Attention) SelfAttentionLayers => (_attentionNorm!, _attention!);

    /// <summary>Takes a (batch, T) mask (e.g. from <c>Embedding(maskZero: true)</c>) as its padding mask and passes it on, as keras_hub does.</summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training) =>
        mask is null ? Encode(x, null, training) : Call(x, paddingMask: mask, training: training);

    /// <summary>
    /// Runs the block on (batch, T, features) inputs of any length T, with an optional padding mask
    /// (batch, T) and attention mask (batch, T, T).
    /// </summary>
    public Tensor Call(Tensor inputs, Tensor? paddingMask = null, Tensor? attentionMask = null, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank != 3) throw ShapeError("inputs (batch, sequence, features)", inputs.Shape.WithoutBatch());
        var shape = inputs.Shape.WithoutBatch();
        RequireSequence(shape, "inputs");
        if (!IsBuilt) Build(shape);
        int batch = inputs.Shape[0], t = inputs.Shape[1];
        return Encode(inputs, AttentionMasks.Merge(this, "the", paddingMask, attentionMask, batch, t, t), training);
    }

    /// <summary>Applies the block in a functional graph, with optional mask tensors (Keras's padding_mask, attention_mask).</summary>
    public SymbolicTensor Call(SymbolicTensor inputs, SymbolicTensor? paddingMask = null, SymbolicTensor? attentionMask = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (paddingMask is null && attentionMask is null) return Call((IReadOnlyList<SymbolicTensor>)[inputs]);
        var list = new List<SymbolicTensor> { inputs };
        var names = new List<string>();
        if (paddingMask is not null) { list.Add(paddingMask); names.Add("padding_mask"); }
        if (attentionMask is not null) { list.Add(attentionMask); names.Add("attention_mask"); }
        return Call(list, new CallArguments(1, names));
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return Call(inputs);
        var (padding, attention) = ParseCall(inputs.Count, arguments);
        var shape = inputs[0].Shape;
        Build(shape);
        if (padding >= 0 && inputs[padding].Shape != new Shape(shape[0]))
            throw ShapeError($"padding_mask (batch, {shape[0]})", inputs[padding].Shape);
        if (attention >= 0 && inputs[attention].Shape != new Shape(shape[0], shape[0]))
            throw ShapeError($"attention_mask (batch, {shape[0]}, {shape[0]})", inputs[attention].Shape);
        return RecordCall(inputs, arguments, shape);
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return Call(inputs, training);
        var (padding, attention) = ParseCall(inputs.Count, arguments);
        return Call(inputs[0], padding >= 0 ? inputs[padding] : null, attention >= 0 ? inputs[attention] : null, training);
    }

    /// <summary>Where the padding and attention masks are in the call's inputs (−1: absent); also read by the ONNX export.</summary>
    internal (int Padding, int Attention) ParseCall(int count, CallArguments a)
    {
        a.RequireKnown(this, TensorKeywords, []);
        if (a.Positional != 1 || count != 1 + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{Name}' (TransformerEncoderBlock) takes inputs and optionally padding_mask, attention_mask; got {count} inputs ({a}).");
        return (a.IndexOf("padding_mask"), a.IndexOf("attention_mask"));
    }

    private Tensor Encode(Tensor x, Tensor? mask, bool training)
    {
        var h = Before(x, _attentionNorm!);
        var attended = _attention!.Call(h, h, attentionMask: mask, training: training);
        x = After(x, attended, _attentionNorm!, _attentionDropout!, training);
        return Feedforward(x, training);
    }

    internal static TransformerEncoderBlock FromConfig(LayerConfig c)
    {
        var a = ReadConfig(c);
        return new(a.NumHeads, a.IntermediateDim, a.KeyDim, a.Dropout, a.Activation, a.Epsilon, a.NormalizeFirst, a.Kernel, a.Bias, a.Name, a.InputShape);
    }
}
