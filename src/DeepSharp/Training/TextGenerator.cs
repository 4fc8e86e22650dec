using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Training;

/// <summary>Text generation with a trained model.</summary>
public static class TextGenerator
{
    /// <summary>
    /// Samples <paramref name="count"/> words from a character model trained on
    /// <paramref name="data"/>'s sequences: start at the marker, draw one character at a time until the
    /// marker comes back or the context is full. A model with Transformer decoder blocks steps with a
    /// KV cache (each new character costs O(T)); any other causal model (e.g. an LSTM) reruns its
    /// padded window. Padding and [UNK] are never drawn.
    /// </summary>
    public static IReadOnlyList<string> GenerateWords(Model model, CharLanguageModelData data, int count, TokenSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var words = new List<string>();
        int v = data.Vocabulary.VocabularySize, context = data.Context;
        using var _ = NoGrad.Scope();
        for (int w = 0; w < count; w++)
        {
            var ids = new List<int> { data.MarkerId };
            bool cached = model.Layers.Any(l => l is DeepSharp.Nn.Layers.TransformerDecoderBlock);
            var cache = cached ? new KvCache(context) : null;
            Tensor? next = cached ? model.Step(Tensor.FromArray([data.MarkerId], 1, 1), cache!) : null;
            while (ids.Count < context)
            {
                using var scope = Tensor.Scope();
                ReadOnlySpan<float> logits;
                if (cached) logits = next!.Span[^v..];
                else
                {
                    var window = new int[context];
                    ids.CopyTo(window);
                    logits = model.Call(Tensor.FromArray(window, 1, context)).Span.Slice((ids.Count - 1) * v, v);
                }
                // Padding and [UNK] are never generated.
                var row = logits.ToArray();
                row[0] = row[1] = float.NegativeInfinity;
                int id = sampler.Sample(row);
                if (id == data.MarkerId) break;
                ids.Add(id);
                if (cached && ids.Count < context) next = scope.Keep(model.Step(Tensor.FromArray([id], 1, 1), cache!));
            }
            words.Add(data.Vocabulary.Decode(ids.Skip(1)));
        }
        return words;
    }
}
