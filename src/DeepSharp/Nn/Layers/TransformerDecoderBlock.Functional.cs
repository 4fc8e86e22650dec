using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>TransformerDecoderBlock in functional graphs: masks and use_causal_mask as keras_hub's call keywords.</summary>
public sealed partial class TransformerDecoderBlock
{
    private static readonly string[] TensorKeywords =
        ["encoder_sequence", "decoder_padding_mask", "decoder_attention_mask", "encoder_padding_mask", "encoder_attention_mask"];
    private static readonly string[] OptionKeywords = ["use_causal_mask"];

    /// <summary>
    /// Applies the block to symbolic tensors: a decoder sequence, optionally an encoder sequence
    /// (cross-attention) and mask tensors, as keras_hub's <c>decoder(decoder_sequence, encoder_sequence, ...)</c>.
    /// </summary>
    public SymbolicTensor Call(SymbolicTensor decoderSequence, SymbolicTensor? encoderSequence = null, SymbolicTensor? decoderPaddingMask = null,
        SymbolicTensor? decoderAttentionMask = null, SymbolicTensor? encoderPaddingMask = null, SymbolicTensor? encoderAttentionMask = null,
        bool useCausalMask = true)
    {
        ArgumentNullException.ThrowIfNull(decoderSequence);
        var inputs = new List<SymbolicTensor> { decoderSequence };
        if (encoderSequence is not null) inputs.Add(encoderSequence);
        var names = new List<string>();
        void Named(SymbolicTensor? t, string name)
        {
            if (t is null) return;
            inputs.Add(t);
            names.Add(name);
        }
        Named(decoderPaddingMask, "decoder_padding_mask");
        Named(decoderAttentionMask, "decoder_attention_mask");
        Named(encoderPaddingMask, "encoder_padding_mask");
        Named(encoderAttentionMask, "encoder_attention_mask");
        if (names.Count == 0 && useCausalMask) return Call((IReadOnlyList<SymbolicTensor>)inputs);
        KeyValuePair<string, bool>[] flags = useCausalMask ? [] : [new("use_causal_mask", false)];
        return Call(inputs, new CallArguments(encoderSequence is null ? 1 : 2, names, flags));
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return Call(inputs);
        var c = ParseCall(inputs.Count, arguments);
        Shape decoder = inputs[0].Shape;
        Shape? encoder = c.Encoder >= 0 ? inputs[c.Encoder].Shape : (Shape?)null;
        Build(decoder, encoder);
        int t = decoder.Rank > 0 ? decoder[0] : 0, tEnc = encoder is { Rank: > 0 } e ? e[0] : 0;
        RequireMask(inputs, c.DecoderPadding, new Shape(t), "decoder_padding_mask");
        RequireMask(inputs, c.DecoderAttention, new Shape(t, t), "decoder_attention_mask");
        RequireMask(inputs, c.EncoderPadding, new Shape(tEnc), "encoder_padding_mask");
        RequireMask(inputs, c.EncoderAttention, new Shape(t, tEnc), "encoder_attention_mask");
        return RecordCall(inputs, arguments, ComputeOutputShape(decoder));
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training)
    {
        if (ReferenceEquals(arguments, CallArguments.None)) return Call(inputs, training);
        var c = ParseCall(inputs.Count, arguments);
        Tensor? At(int i) => i >= 0 ? inputs[i] : null;
        return Call(inputs[0], At(c.Encoder), At(c.DecoderPadding), At(c.DecoderAttention), At(c.EncoderPadding), At(c.EncoderAttention),
            c.Causal, training);
    }

    private void RequireMask(IReadOnlyList<SymbolicTensor> inputs, int index, Shape expected, string what)
    {
        if (index >= 0 && inputs[index].Shape != expected) throw ShapeError($"{what} {expected.ToBatchString()}", inputs[index].Shape);
    }

    /// <summary>Where the encoder sequence and masks are in the call's inputs (−1: absent), and the causal option; also read by the ONNX export.</summary>
    internal (int Encoder, int DecoderPadding, int DecoderAttention, int EncoderPadding, int EncoderAttention, bool Causal) ParseCall(int count, CallArguments a)
    {
        if (ReferenceEquals(a, CallArguments.None))
        {
            RequireInputCount(count);
            return (count > 1 ? 1 : -1, -1, -1, -1, -1, true);
        }
        a.RequireKnown(this, TensorKeywords, OptionKeywords);
        if (a.Positional is < 1 or > 2 || (a.Positional == 2 && a.IndexOf("encoder_sequence") >= 0) || count != a.Positional + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{Name}' (TransformerDecoderBlock) takes decoder_sequence, optionally encoder_sequence and masks; got {count} inputs ({a}).");
        return (a.Positional == 2 ? 1 : a.IndexOf("encoder_sequence"), a.IndexOf("decoder_padding_mask"), a.IndexOf("decoder_attention_mask"),
            a.IndexOf("encoder_padding_mask"), a.IndexOf("encoder_attention_mask"), a.Flag("use_causal_mask", true));
    }
}
