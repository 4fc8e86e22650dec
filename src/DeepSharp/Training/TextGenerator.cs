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
    /// <exception cref="ShapeMismatchException">The model's scores per position are not one per token of <paramref name="data"/>'s vocabulary.</exception>
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
            Tensor? next = cached ? model.Step(Tensor.Wrap([data.MarkerId], 1, 1), cache!) : null;
            while (ids.Count < context)
            {
                using var scope = Tensor.Scope();
                ReadOnlySpan<float> logits;
                if (cached) logits = CheckScores(next!, v).Span[^v..];
                else
                {
                    var window = new int[context];
                    ids.CopyTo(window);
                    logits = CheckScores(model.Call(Tensor.Wrap(window, 1, context)), v).Span.Slice((ids.Count - 1) * v, v);
                }
                // Padding and [UNK] are never generated.
                var row = logits.ToArray();
                row[0] = row[1] = float.NegativeInfinity;
                int id = sampler.Sample(row);
                if (id == data.MarkerId) break;
                ids.Add(id);
                if (cached && ids.Count < context) next = scope.Keep(model.Step(Tensor.Wrap([id], 1, 1), cache!));
            }
            words.Add(data.Vocabulary.Decode(ids.Skip(1)));
        }
        return words;
    }

    /// <summary>The model's outputs, once they hold one score per vocabulary token at each position.</summary>
    private static Tensor CheckScores(Tensor outputs, int vocabularySize) =>
        outputs.Rank >= 2 && outputs.Shape[outputs.Rank - 1] == vocabularySize ? outputs
        : throw new ShapeMismatchException(
            $"The model outputs {(outputs.Rank == 0 ? "no" : outputs.Shape[outputs.Rank - 1].ToString(System.Globalization.CultureInfo.InvariantCulture))} scores per position " +
            $"(shape {outputs.Shape}), but the vocabulary has {vocabularySize} tokens; a model and its vocabulary must come from the same training run.");
}
