using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A Transformer decoder block (keras_hub's TransformerDecoder, pre-LN by default): causal
/// self-attention x + MHA(LN(x)); when the block is built with an encoder sequence,
/// cross-attention x + MHA(LN(x), encoder); then x + FFN(LN(x)) with GELU; dropout after each.
/// Sublayers: self_attention, self_attention_layer_norm, self_attention_dropout, cross_attention,
/// cross_attention_layer_norm, cross_attention_dropout (with an encoder), and the feed-forward ones.
/// Called with one tensor (e.g. in a Sequential model) it is a decoder-only (GPT-style) block.
/// <see cref="Step(Tensor, KvCache)"/> decodes one position at a time with cached keys and values.
/// </summary>
public sealed partial class TransformerDecoderBlock : TransformerBlock
{
    private MultiHeadAttention? _selfAttention, _crossAttention;
    private LayerNormalization? _selfAttentionNorm, _crossAttentionNorm;
    private Dropout? _selfAttentionDropout, _crossAttentionDropout;
    private Shape? _pendingEncoderShape;

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
    public TransformerDecoderBlock(int numHeads, int intermediateDim, int? keyDim = null, float dropout = 0f, Activation? activation = null,
        float layerNormEpsilon = 1e-5f, bool normalizeFirst = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        string? name = null, int[]? inputShape = null)
        : base(numHeads, intermediateDim, keyDim, dropout, activation, layerNormEpsilon, normalizeFirst, kernelInitializer, biasInitializer, name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "TransformerDecoderBlock";

    /// <summary>Whether the block was built with an encoder sequence (and so has cross-attention).</summary>
    public bool HasCrossAttention => _crossAttention is not null;

    /// <summary>Builds for per-sample decoder (T, d) and, for cross-attention, encoder (Tenc, denc) sequences.</summary>
    public void Build(Shape decoderSequence, Shape? encoderSequence)
    {
        RequireSequence(decoderSequence, "decoder_sequence");
        if (encoderSequence is { } e && e.Rank != 2) throw ShapeError("encoder_sequence (batch, sequence, features)", e);
        if (!IsBuilt)
        {
            _pendingEncoderShape = encoderSequence;
            Build(decoderSequence);
            return;
        }
        if (encoderSequence is { } enc && !HasCrossAttention)
            throw new ShapeMismatchException($"Layer '{Name}' (TransformerDecoderBlock) was built without an encoder sequence; got one {enc.ToBatchString()}.");
    }

    /// <summary>Builds for [decoder_sequence] or [decoder_sequence, encoder_sequence].</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        Build(inputShapes[0], inputShapes.Count > 1 ? inputShapes[1] : (Shape?)null);
    }

    /// <summary>The decoder sequence's shape (time, features), for [decoder_sequence] or [decoder_sequence, encoder_sequence].</summary>
    /// <exception cref="ArgumentException">Not one or two inputs.</exception>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        var encoder = _pendingEncoderShape;
        _pendingEncoderShape = null;
        RequireSequence(inputShape, "decoder_sequence");
        _selfAttentionNorm = NewNorm("self_attention_layer_norm", inputShape);
        _selfAttention = NewAttention("self_attention", inputShape[1]);
        _selfAttention.Build(inputShape, inputShape);
        _selfAttentionDropout = NewDropout("self_attention_dropout", inputShape);
        if (encoder is { } e)
        {
            _crossAttentionNorm = NewNorm("cross_attention_layer_norm", inputShape);
            _crossAttention = NewAttention("cross_attention", inputShape[1]);
            _crossAttention.Build(inputShape, e);
            _crossAttentionDropout = NewDropout("cross_attention_dropout", inputShape);
        }
        BuildFeedforward(inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Call(x, training: training);

    /// <summary>The self-attention sublayer and its LayerNorm (for the ONNX export).</summary>
    internal (LayerNormalization Norm, MultiHeadAttention Attention) SelfAttentionLayers => (_selfAttentionNorm!, _selfAttention!);

    /// <summary>The cross-attention sublayer and its LayerNorm (for the ONNX export); null without cross-attention.</summary>
    internal (LayerNormalization Norm, MultiHeadAttention Attention)? CrossAttentionLayers =>
        _crossAttention is null ? null : (_crossAttentionNorm!, _crossAttention);

    /// <summary>Takes a (batch, T) mask (e.g. from <c>Embedding(maskZero: true)</c>) as the decoder padding mask and passes it on.</summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training) => Call(x, decoderPaddingMask: mask, training: training);

    /// <summary>[decoder_sequence] or [decoder_sequence, encoder_sequence], causal.</summary>
    public override Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        RequireInputCount(inputs.Count);
        return Call(inputs[0], inputs.Count > 1 ? inputs[1] : null, training: training);
    }

    /// <summary>
    /// Runs the block on a decoder sequence (batch, T, features) of any length, attending causally
    /// (unless <paramref name="useCausalMask"/> is false) and, with cross-attention, to
    /// <paramref name="encoderSequence"/>. Padding masks are (batch, T) / (batch, Tenc), nonzero for
    /// real tokens; attention masks (batch, T, T) / (batch, T, Tenc).
    /// </summary>
    public Tensor Call(Tensor decoderSequence, Tensor? encoderSequence = null, Tensor? decoderPaddingMask = null, Tensor? decoderAttentionMask = null,
        Tensor? encoderPaddingMask = null, Tensor? encoderAttentionMask = null, bool useCausalMask = true, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(decoderSequence);
        if (decoderSequence.Rank != 3) throw ShapeError("decoder_sequence (batch, sequence, features)", decoderSequence.Shape.WithoutBatch());
        if (encoderSequence is not null && encoderSequence.Rank != 3)
            throw ShapeError("encoder_sequence (batch, sequence, features)", encoderSequence.Shape.WithoutBatch());
        Build(decoderSequence.Shape.WithoutBatch(), encoderSequence?.Shape.WithoutBatch());
        if (HasCrossAttention && encoderSequence is null)
            throw new ArgumentException($"Layer '{Name}' (TransformerDecoderBlock) was built with cross-attention and needs the encoder sequence.", nameof(encoderSequence));
        int batch = decoderSequence.Shape[0], t = decoderSequence.Shape[1];
        var selfMask = AttentionMasks.Merge(this, "the decoder", decoderPaddingMask, decoderAttentionMask, batch, t, t);
        var h = Before(decoderSequence, _selfAttentionNorm!);
        // Pre-LN training without dropout: the attention's output projection and the residual add as one op
        // (the same values; see Feedforward).
        var x = training && NormalizeFirst && _selfAttentionDropout!.Rate == 0f
                && _selfAttention!.CallPlusResidual(h, selfMask, useCausalMask, training, decoderSequence) is { } fused
            ? fused
            : After(decoderSequence, _selfAttention!.Call(h, h, attentionMask: selfMask, useCausalMask: useCausalMask, training: training),
                _selfAttentionNorm!, _selfAttentionDropout!, training);
        if (encoderSequence is not null)
        {
            var crossMask = AttentionMasks.Merge(this, "the encoder", encoderPaddingMask, encoderAttentionMask, batch, t, encoderSequence.Shape[1]);
            var c = Before(x, _crossAttentionNorm!);
            x = After(x, _crossAttention!.Call(c, encoderSequence, attentionMask: crossMask, training: training),
                _crossAttentionNorm!, _crossAttentionDropout!, training);
        }
        return Feedforward(x, training);
    }

    private void RequireInputCount(int count)
    {
        if (count is < 1 or > 2)
            throw new ArgumentException($"Layer '{Name}' (TransformerDecoderBlock) takes [decoder_sequence] or [decoder_sequence, encoder_sequence]; got {count} inputs.");
    }

    internal static TransformerDecoderBlock FromConfig(LayerConfig c)
    {
        var a = ReadConfig(c);
        return new(a.NumHeads, a.IntermediateDim, a.KeyDim, a.Dropout, a.Activation, a.Epsilon, a.NormalizeFirst, a.Kernel, a.Bias, a.Name, a.InputShape);
    }
}
