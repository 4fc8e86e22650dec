using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Runs one layer of a model for a decoding step: step layers (<see cref="IStepLayer"/>) use the
/// cache; position-wise layers (each position's output depends on that position alone) run as
/// usual on the new positions; any other layer cannot be stepped.
/// </summary>
internal static class Stepping
{
    public static Tensor Step(Layer layer, IReadOnlyList<Tensor> inputs, KvCache cache)
    {
        if (layer is IStepLayer step)
        {
            if (inputs.Count != 1)
                throw new InvalidOperationException($"Layer '{layer.Name}' ({layer.TypeName}) steps on one input; the model gives it {inputs.Count}.");
            return step.Step(inputs[0], cache);
        }
        if (layer is MergeLayer && IsPositionwise(layer)) return layer.Call(inputs);
        if (IsPositionwise(layer) && inputs.Count == 1) return layer.CallBuilt(inputs[0], training: false);
        throw new InvalidOperationException(
            $"Layer '{layer.Name}' ({layer.TypeName}) cannot run one step at a time: a decoding step needs position-wise layers " +
            "(Dense, Embedding, LayerNormalization, Dropout, Activation, Rescaling, Add, Multiply, Concatenate on the last axis) " +
            "and step layers (MultiHeadAttention, PositionEmbedding, SinusoidalPositionEncoding, TransformerDecoderBlock).");
    }

    /// <summary>Layers whose output at a position depends on the input at that position only.</summary>
    private static bool IsPositionwise(Layer layer) => layer switch
    {
        Dense or Embedding or LayerNormalization or Dropout or ActivationLayer or Rescaling or Add or Multiply => true,
        Concatenate c => c.Axis == -1,
        _ => false,
    };
}
