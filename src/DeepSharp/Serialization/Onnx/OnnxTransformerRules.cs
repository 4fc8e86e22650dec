using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// TransformerEncoderBlock and TransformerDecoderBlock, emitted sublayer by sublayer with the
/// sublayers' own rules: each residual sublayer f is x + f(LN(x)) (pre-LN, the default) or
/// LN(x + f(x)) (post-LN); attention through <see cref="OnnxAttentionRules.Attend"/>, the
/// feed-forward network as Dense(intermediate, activation) then Dense(features). Dropout is the
/// identity at inference. Padding masks (batch, T) mask keys only, attention masks (batch, Tq, Tk)
/// are ANDed with them (keras_hub's merge_padding_and_attention_mask); a propagated mask (Embedding
/// with maskZero) is the padding mask.
/// </summary>
internal static class OnnxTransformerRules
{
    /// <summary>The encoder block with optional bool masks: padding (batch, T) and attention (batch, T, T).</summary>
    public static string Encoder(OnnxGraphBuilder g, TransformerEncoderBlock block, string x, Shape shape, string? padding, string? attention)
    {
        string? allowed = OnnxMasks.Merge(g, padding, attention, block.Name + "/mask");
        var (norm, mha) = block.SelfAttentionLayers;
        x = Residual(g, block, x, shape, norm, h => OnnxAttentionRules.Attend(g, mha, h, h, h, shape[0], shape[0], allowed, causal: false, mha.Path),
            block.Name + "/attention_residual");
        return Feedforward(g, block, x, shape);
    }

    /// <summary>A functional encoder call with keyword padding_mask and attention_mask tensors.</summary>
    public static string EncoderCall(OnnxGraphBuilder g, TransformerEncoderBlock block, IReadOnlyList<string> inputs, IReadOnlyList<Shape> shapes, CallArguments arguments)
    {
        if (inputs.Count != 1 && ReferenceEquals(arguments, CallArguments.None))
            throw new DeepSharpException($"ONNX export: layer '{block.Name}' (TransformerEncoderBlock) takes one input; got {inputs.Count}.");
        var (padding, attention) = block.ParseCall(inputs.Count, arguments);
        return Encoder(g, block, inputs[0], shapes[0], MaskInput(g, inputs, padding, block.Name + "/padding_mask"),
            MaskInput(g, inputs, attention, block.Name + "/attention_mask"));
    }

    /// <summary>The decoder block called on one sequence, as in a Sequential model: causal, the propagated mask as its padding mask.</summary>
    public static string Decoder(OnnxGraphBuilder g, TransformerDecoderBlock block, string x, Shape shape, string? mask) =>
        Decode(g, block, x, shape, null, 0, mask, null, null, null, causal: true);

    /// <summary>A functional decoder call: [decoder_sequence(, encoder_sequence)] with keyword masks and use_causal_mask.</summary>
    public static string DecoderCall(OnnxGraphBuilder g, TransformerDecoderBlock block, IReadOnlyList<string> inputs, IReadOnlyList<Shape> shapes, CallArguments arguments)
    {
        var c = block.ParseCall(inputs.Count, arguments);
        string Mask(int index, string what) => MaskInput(g, inputs, index, $"{block.Name}/{what}")!;
        return Decode(g, block, inputs[0], shapes[0], c.Encoder >= 0 ? inputs[c.Encoder] : null, c.Encoder >= 0 ? shapes[c.Encoder][0] : 0,
            c.DecoderPadding >= 0 ? Mask(c.DecoderPadding, "decoder_padding_mask") : null,
            c.DecoderAttention >= 0 ? Mask(c.DecoderAttention, "decoder_attention_mask") : null,
            c.EncoderPadding >= 0 ? Mask(c.EncoderPadding, "encoder_padding_mask") : null,
            c.EncoderAttention >= 0 ? Mask(c.EncoderAttention, "encoder_attention_mask") : null,
            c.Causal);
    }

    private static string Decode(OnnxGraphBuilder g, TransformerDecoderBlock block, string x, Shape shape, string? encoder, int encoderLength,
        string? decoderPadding, string? decoderAttention, string? encoderPadding, string? encoderAttention, bool causal)
    {
        var cross = block.CrossAttentionLayers;
        if (cross is not null && encoder is null)
            throw new DeepSharpException($"ONNX export: layer '{block.Name}' (TransformerDecoderBlock) was built with cross-attention and needs the encoder sequence.");
        int t = shape[0];
        var (selfNorm, self) = block.SelfAttentionLayers;
        string? selfMask = OnnxMasks.Merge(g, decoderPadding, decoderAttention, block.Name + "/self_mask");
        x = Residual(g, block, x, shape, selfNorm, h => OnnxAttentionRules.Attend(g, self, h, h, h, t, t, selfMask, causal, self.Path),
            block.Name + "/self_attention_residual");
        if (cross is { } crossLayers && encoder is not null)
        {
            var (crossNorm, crossAttention) = crossLayers;
            string? crossMask = OnnxMasks.Merge(g, encoderPadding, encoderAttention, block.Name + "/cross_mask");
            x = Residual(g, block, x, shape, crossNorm,
                h => OnnxAttentionRules.Attend(g, crossAttention, h, encoder, encoder, t, encoderLength, crossMask, causal: false, crossAttention.Path),
                block.Name + "/cross_attention_residual");
        }
        return Feedforward(g, block, x, shape);
    }

    private static string Feedforward(OnnxGraphBuilder g, TransformerBlock block, string x, Shape shape)
    {
        var (norm, intermediate, output) = block.FeedforwardLayers;
        return Residual(g, block, x, shape, norm, h =>
        {
            string hidden = OnnxLayerRules.Emit(g, intermediate, h, shape);
            return OnnxLayerRules.Emit(g, output, hidden, intermediate.ComputeOutputShape(shape));
        }, block.Name + "/feedforward_residual");
    }

    /// <summary>x + f(LN(x)) when normalizing first, else LN(x + f(x)).</summary>
    private static string Residual(OnnxGraphBuilder g, TransformerBlock block, string x, Shape shape, LayerNormalization norm,
        Func<string, string> sublayer, string name)
    {
        string h = block.NormalizeFirst ? OnnxLayerRules.Emit(g, norm, x, shape) : x;
        string sum = g.AddNode("Add", name, [x, sublayer(h)]);
        return block.NormalizeFirst ? sum : OnnxLayerRules.Emit(g, norm, sum, shape);
    }

    /// <summary>A mask tensor among the call's inputs (float or int32, nonzero: keep) as bool, or null when absent.</summary>
    private static string? MaskInput(OnnxGraphBuilder g, IReadOnlyList<string> inputs, int index, string name) =>
        index >= 0 ? OnnxMasks.Nonzero(g, inputs[index], name) : null;
}
