using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Runs one layer call of a model for a decoding step: step layers (<see cref="IStepLayer"/>) and
/// MultiHeadAttention called as causal self-attention use the cache; position-wise layers (each
/// position's output depends on that position alone) run as usual on the new positions; any other
/// call cannot be stepped.
/// </summary>
internal static class Stepping
{
    public static Tensor Step(Layer layer, IReadOnlyList<Tensor> inputs, CallArguments arguments, KvCache cache)
    {
        if (layer is MultiHeadAttention mha)
        {
            if (!mha.IsCausalSelfAttention(inputs, arguments))
                throw Refuse(layer, "MultiHeadAttention steps only as causal self-attention without masks: mha.Call(x, x, useCausalMask: true)");
            return mha.Step(inputs[0], cache);
        }
        if (!arguments.IsEmpty) throw Refuse(layer, $"the call has keyword arguments ({arguments}); a step runs plain calls");
        if (layer is IStepLayer step)
        {
            if (inputs.Count != 1) throw Refuse(layer, $"it steps on one input; the model gives it {inputs.Count}");
            return step.Step(inputs[0], cache);
        }
        if (layer is MergeLayer && IsPositionwise(layer)) return layer.Call(inputs);
        if (IsPositionwise(layer) && inputs.Count == 1) return layer.CallBuilt(inputs[0], training: false);
        throw Refuse(layer,
            "a decoding step needs position-wise layers (Dense, Embedding, LayerNormalization, Dropout, Activation, Rescaling, Add, " +
            "Multiply, Concatenate on the last axis), step layers (PositionEmbedding, SinusoidalPositionEncoding, TransformerDecoderBlock) " +
            "and causal self-attention");
    }

    private static InvalidOperationException Refuse(Layer layer, string why) =>
        new($"Layer '{layer.Name}' ({layer.TypeName}) cannot run one step at a time: {why}.");

    /// <summary>Layers whose output at a position depends on the input at that position only.</summary>
    private static bool IsPositionwise(Layer layer) => layer switch
    {
        Dense or Embedding or LayerNormalization or Dropout or ActivationLayer or Rescaling or Add or Multiply => true,
        Concatenate c => c.Axis == -1,
        _ => false,
    };
}
