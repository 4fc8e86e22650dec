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
    /// marker comes back or the context is full. A model that can step (<see cref="Model.Step"/>: Transformer
    /// decoder blocks, or MultiHeadAttention or GroupQueryAttention as causal self-attention, between
    /// position-wise layers) decodes with a KV cache (each new character costs O(T)); any other causal
    /// model (e.g. an LSTM) reruns its padded window. Padding and [UNK] are never drawn.
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
            words.Add(data.Vocabulary.Decode(Sample(model, context, v, [data.MarkerId], data.MarkerId, int.MaxValue, sampler, default)));
        return words;
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> with a causal model over <paramref name="vectorizer"/>'s ids
    /// (the vectorizer a model file keeps, <see cref="Model.TextVectorizer"/>): the model sees the
    /// prompt's ids and draws the next token at the last position, one token at a time, until
    /// <paramref name="maxTokens"/> tokens, the end of the model's positions, or — for a character
    /// vectorizer whose vocabulary holds the end marker '.' (<see cref="CharLanguageModelData.Marker"/>,
    /// as <c>deepsharp train names</c> trains) — the marker: such a model starts from the marker, so an
    /// empty prompt draws a whole word. Words (whitespace split) and subwords work the same way, with
    /// no marker. Padding and [UNK] are never drawn. A model that can step (see
    /// <see cref="GenerateWords"/>) decodes with a KV cache. Returns the text the generated tokens add to the prompt (as decoded:
    /// standardized), so that prompt + continuation reads on — " three four" after the words "one two",
    /// "ing" after the subword "play".
    /// </summary>
    /// <exception cref="ArgumentException">The model does not take one sequence of token ids, the prompt gives no token to start from (no marker), or it leaves no position to continue.</exception>
    /// <exception cref="ShapeMismatchException">The model's scores per position are not one per id of the vectorizer.</exception>
    public static string Continue(Model model, TextVectorizer vectorizer, string prompt, TokenSampler sampler, int? maxTokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vectorizer);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampler);
        if (maxTokens is < 0) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "maxTokens must not be negative.");
        int context = Positions(model);
        int marker = MarkerId(vectorizer);
        var start = new List<int>(context);
        if (marker > 0) start.Add(marker);
        start.AddRange(vectorizer.Ids(prompt));
        if (start.Count == 0)
            throw new ArgumentException("The prompt gives no token to start from, and the vocabulary has no start marker '.': give a prompt.", nameof(prompt));
        int promptTokens = start.Count - (marker > 0 ? 1 : 0);
        if (start.Count >= context)
            throw new ArgumentException($"The prompt has {promptTokens} tokens; model '{model.Name}' sees {context} positions, so at most {context - 1 - (marker > 0 ? 1 : 0)} tokens leave room to continue it.", nameof(prompt));
        using var _ = NoGrad.Scope();
        var generated = Sample(model, context, vectorizer.VocabularySize, start, marker, maxTokens ?? int.MaxValue, sampler, cancellationToken);
        // The text the new tokens add to the prompt's: for words a space and the words, for subwords maybe the rest of the last word.
        string prefix = vectorizer.Decode(start), full = vectorizer.Decode([.. start, .. generated]);
        return full.StartsWith(prefix, StringComparison.Ordinal) ? full[prefix.Length..] : vectorizer.Decode(generated);
    }

    /// <summary>The id of the end marker '.' in a character vectorizer's vocabulary, or -1 (none, or not a character vectorizer).</summary>
    public static int MarkerId(TextVectorizer vectorizer)
    {
        ArgumentNullException.ThrowIfNull(vectorizer);
        if (vectorizer.SplitMode != Split.Character || vectorizer.Tokenizer is not null) return -1;
        for (int i = 2; i < vectorizer.Vocabulary.Count; i++)
            if (vectorizer.Vocabulary[i] == CharLanguageModelData.Marker.ToString()) return i;
        return -1;
    }

    /// <summary>The positions of a model that takes one sequence of token ids.</summary>
    private static int Positions(Model model)
    {
        Shape? input = model is Sequential ? model.Layers[0].BuiltInputShape : model.InputCount == 1 ? model.Inputs[0].Shape : (Shape?)null;
        return input is { Rank: 1 } shape && shape[0] >= 2 ? shape[0]
            : throw new ArgumentException($"Model '{model.Name}' takes {(input is { } s ? s.ToBatchString() : "several inputs")}; generating text needs a model of (batch, positions) token ids, at least 2 positions.", nameof(model));
    }

    /// <summary>
    /// Draws tokens after <paramref name="start"/> (at least one id) until <paramref name="stop"/> is drawn
    /// (not kept; -1: never), <paramref name="maxNew"/> tokens or the <paramref name="context"/> is full; returns the drawn ids.
    /// </summary>
    private static List<int> Sample(Model model, int context, int v, IReadOnlyList<int> start, int stop, int maxNew, TokenSampler sampler, CancellationToken cancellationToken)
    {
        var ids = new List<int>(start);
        var generated = new List<int>();
        bool cached = model.Layers.Any(l => l is DeepSharp.Nn.Layers.TransformerDecoderBlock or DeepSharp.Nn.Layers.ProjectedAttention) && model.CanStep();
        var cache = cached ? new KvCache(context) : null;
        Tensor? next = null;
        if (cached)
            foreach (int id in start) next = model.Step(Tensor.Wrap([id], 1, 1), cache!);
        while (ids.Count < context && generated.Count < maxNew)
        {
            cancellationToken.ThrowIfCancellationRequested();
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
            if (id == stop) break;
            ids.Add(id);
            generated.Add(id);
            if (cached && ids.Count < context && generated.Count < maxNew) next = scope.Keep(model.Step(Tensor.Wrap([id], 1, 1), cache!));
        }
        return generated;
    }

    /// <summary>The model's outputs, once they hold one score per vocabulary token at each position.</summary>
    private static Tensor CheckScores(Tensor outputs, int vocabularySize) =>
        outputs.Rank >= 2 && outputs.Shape[outputs.Rank - 1] == vocabularySize ? outputs
        : throw new ShapeMismatchException(
            $"The model outputs {(outputs.Rank == 0 ? "no" : outputs.Shape[outputs.Rank - 1].ToString(System.Globalization.CultureInfo.InvariantCulture))} scores per position " +
            $"(shape {outputs.Shape}), but the vocabulary has {vocabularySize} tokens; a model and its vocabulary must come from the same training run.");
}
