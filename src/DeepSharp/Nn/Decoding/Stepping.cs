using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Runs one layer call of a model for a decoding step: step layers (<see cref="IStepLayer"/>) and
/// MultiHeadAttention or GroupQueryAttention called as causal self-attention use the cache;
/// position-wise layers (each position's output depends on that position alone) run as usual on the
/// new positions; any other call cannot be stepped.
/// </summary>
internal static class Stepping
{
    public static Tensor Step(Layer layer, IReadOnlyList<Tensor> inputs, CallArguments arguments, KvCache cache)
    {
        bool selfInput = inputs.Count > 1 && ReferenceEquals(inputs[0], inputs[1]);
        if (Refusal(layer, inputs.Count, arguments, selfInput) is { } why)
            throw new InvalidOperationException($"Layer '{layer.Name}' ({layer.TypeName}) cannot run one step at a time: {why}.");
        return layer switch
        {
            ProjectedAttention attention => attention.Step(inputs[0], cache),
            IStepLayer step => step.Step(inputs[0], cache),
            MergeLayer => layer.Call(inputs),
            _ => layer.CallBuilt(inputs[0], training: false),
        };
    }

    /// <summary>
    /// Why a call of <paramref name="layer"/> on <paramref name="inputCount"/> inputs cannot run one
    /// step at a time (null: it can); <paramref name="selfInput"/> says whether its first two inputs
    /// are one tensor (self-attention).
    /// </summary>
    public static string? Refusal(Layer layer, int inputCount, CallArguments arguments, bool selfInput)
    {
        if (layer is ProjectedAttention attention)
            return attention.IsCausalSelfAttention(inputCount, arguments, selfInput) ? null
                : $"{layer.TypeName} steps only as causal self-attention without masks: layer.Call(x, x, useCausalMask: true)";
        if (!arguments.IsEmpty) return $"the call has keyword arguments ({arguments}); a step runs plain calls";
        if (layer is IStepLayer) return inputCount == 1 ? null : $"it steps on one input; the model gives it {inputCount}";
        if (layer is MergeLayer && IsPositionwise(layer)) return null;
        if (IsPositionwise(layer) && inputCount == 1) return null;
        return "a decoding step needs position-wise layers (Dense, Embedding, LayerNormalization, RMSNormalization on the last axis, Dropout, Activation, " +
            "Rescaling, Add, Multiply, Concatenate on the last axis), step layers (PositionEmbedding, SinusoidalPositionEncoding, TransformerDecoderBlock) " +
            "and causal self-attention (MultiHeadAttention, GroupQueryAttention)";
    }

    /// <summary>Layers whose output at a position depends on the input at that position only.</summary>
    private static bool IsPositionwise(Layer layer) => layer switch
    {
        Dense or Embedding or LayerNormalization or Dropout or ActivationLayer or Rescaling or Add or Multiply => true,
        Concatenate c => c.Axis == -1,
        RmsNormalization r => r.Axis is [-1],
        _ => false,
    };
}
