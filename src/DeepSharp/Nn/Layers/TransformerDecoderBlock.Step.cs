using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>TransformerDecoderBlock one decoding step at a time, with its attention keys and values in a <see cref="KvCache"/>.</summary>
public sealed partial class TransformerDecoderBlock : IStepLayer
{
    /// <summary>The block's output at the next positions x (batch, n, features) of a decoder-only model.</summary>
    public Tensor Step(Tensor x, KvCache cache) => Step(x, cache, null);

    /// <summary>
    /// The block's output at the next positions x (batch, n, features): causal self-attention over
    /// the cached positions and the new ones, then (with cross-attention) attention to
    /// <paramref name="encoderSequence"/> — projected once, on the first step — and the
    /// feed-forward network. Equals the matching rows of a causal <c>Call</c> on the whole sequence.
    /// </summary>
    public Tensor Step(Tensor x, KvCache cache, Tensor? encoderSequence, Tensor? encoderPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cache);
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Path}' (TransformerDecoderBlock) must be built (called once) before it steps.");
        if (x.Rank != 3) throw ShapeError("x (batch, positions, features)", x.Shape.WithoutBatch());
        RequireSequence(x.Shape.WithoutBatch(), "x");
        if (HasCrossAttention && encoderSequence is null)
            throw new ArgumentException($"Layer '{Path}' (TransformerDecoderBlock) has cross-attention; its steps need the encoder sequence.", nameof(encoderSequence));
        if (!HasCrossAttention && encoderSequence is not null)
            throw new ArgumentException($"Layer '{Path}' (TransformerDecoderBlock) was built without cross-attention; it takes no encoder sequence.", nameof(encoderSequence));
        using var _ = NoGrad.Scope();
        var h = Before(x, _selfAttentionNorm!);
        x = After(x, _selfAttention!.Step(h, cache), _selfAttentionNorm!, _selfAttentionDropout!, training: false);
        if (encoderSequence is not null)
        {
            var mask = AttentionMasks.Merge(this, "the encoder", encoderPaddingMask, null, x.Shape[0], x.Shape[1], encoderSequence.Shape[1]);
            var c = Before(x, _crossAttentionNorm!);
            x = After(x, _crossAttention!.StepCross(c, encoderSequence, mask, cache), _crossAttentionNorm!, _crossAttentionDropout!, training: false);
        }
        return Feedforward(x, training: false);
    }
}
