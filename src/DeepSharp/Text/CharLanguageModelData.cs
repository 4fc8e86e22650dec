using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Text;

/// <summary>
/// Words (e.g. names) as next-character training data: each word w becomes the input ".w" and the
/// target "w." (the end marker, a special token of the vocabulary, also starts every word), padded
/// with 0 to a fixed context; loss with <c>ignoreClass: 0</c> so padding counts for nothing.
/// Also the yardsticks of such a model: nats per character on held-out words, and the same figure
/// for a bigram model counted on the training words.
/// </summary>
public sealed class CharLanguageModelData
{
    /// <summary>The end marker's character.</summary>
    public const char Marker = '.';

    /// <param name="vocabulary">The characters of the words, built with <see cref="Marker"/> as a special token: <c>CharVocabulary.Build(words, ".")</c>.</param>
    /// <param name="context">Positions per sequence (at least 2); the longest word must have at most context − 1 characters.</param>
    /// <exception cref="ArgumentException">The vocabulary lacks the marker as a special token.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="context"/> is below 2.</exception>
    public CharLanguageModelData(CharVocabulary vocabulary, int context)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (!vocabulary.SpecialIds.ContainsKey(Marker.ToString()))
            throw new ArgumentException($"The vocabulary needs the marker '{Marker}' as a special token (CharVocabulary.Build(words, \".\")).", nameof(vocabulary));
        if (context < 2) throw new ArgumentOutOfRangeException(nameof(context), context, "context must be at least 2.");
        (Vocabulary, Context) = (vocabulary, context);
    }

    /// <summary>The character ids of inputs and targets; its size is the model's Embedding input and output dimension.</summary>
    public CharVocabulary Vocabulary { get; }
    /// <summary>Positions per sequence: the sequence length the model is trained on.</summary>
    public int Context { get; }
    /// <summary>The id of the end marker, which starts every input and ends every target.</summary>
    public int MarkerId => Vocabulary.SpecialIds[Marker.ToString()];

    /// <summary>Inputs and targets, int32 (words, context).</summary>
    /// <exception cref="ArgumentException">A word does not fit the context (it needs length + 1 positions).</exception>
    public (Tensor X, Tensor Y) Sequences(IReadOnlyList<string> words)
    {
        var x = new int[words.Count * Context];
        var y = new int[words.Count * Context];
        for (int w = 0; w < words.Count; w++)
        {
            var ids = Vocabulary.Encode(words[w]);
            if (ids.Count + 1 > Context)
                throw new ArgumentException($"Word '{words[w]}' has {ids.Count} characters; the context of {Context} holds at most {Context - 1}.", nameof(words));
            x[w * Context] = MarkerId;
            for (int i = 0; i < ids.Count; i++)
            {
                x[w * Context + i + 1] = ids[i];
                y[w * Context + i] = ids[i];
            }
            y[w * Context + ids.Count] = MarkerId;
        }
        return (Tensor.Wrap(x, words.Count, Context), Tensor.Wrap(y, words.Count, Context));
    }

    /// <summary>
    /// Mean negative log-likelihood in nats per predicted character (the end marker included) of
    /// <paramref name="words"/> under <paramref name="logitsOf"/>, which maps inputs (n, context)
    /// to logits (n, context, vocabulary).
    /// </summary>
    public double NatsPerCharacter(IReadOnlyList<string> words, Func<Tensor, Tensor> logitsOf, int batchSize = 256)
    {
        var (x, y) = Sequences(words);
        double total = 0;
        long count = 0;
        int v = Vocabulary.VocabularySize;
        using var _ = NoGrad.Scope();
        for (int start = 0; start < words.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, words.Count - start);
            using var scope = Tensor.Scope();
            var logits = logitsOf(x.SliceRows(start, n)).Span;
            var targets = y.SliceRows(start, n).IntSpan;
            for (int p = 0; p < n * Context; p++)
            {
                if (targets[p] == 0) continue;
                var row = logits.Slice(p * v, v);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                double sum = 0;
                foreach (float l in row) sum += Math.Exp(l - max);
                total += max + Math.Log(sum) - row[targets[p]];
                count++;
            }
        }
        return total / Math.Max(1, count);
    }

    /// <summary>
    /// The bigram baseline: P(next | previous character) counted on <paramref name="train"/> with
    /// add-one smoothing over the characters that can follow, scored on <paramref name="heldOut"/> in
    /// nats per character exactly as <see cref="NatsPerCharacter"/> scores a model.
    /// </summary>
    public double BigramNatsPerCharacter(IReadOnlyList<string> train, IReadOnlyList<string> heldOut)
    {
        int v = Vocabulary.VocabularySize;
        var counts = new double[v, v];
        foreach (var (previous, next) in Bigrams(train)) counts[previous, next]++;
        // Every id but padding and [UNK] can follow.
        int outcomes = v - 2;
        double total = 0;
        long n = 0;
        foreach (var (previous, next) in Bigrams(heldOut))
        {
            double row = 0;
            for (int j = 2; j < v; j++) row += counts[previous, j];
            total -= Math.Log((counts[previous, next] + 1) / (row + outcomes));
            n++;
        }
        return total / Math.Max(1, n);
    }

    private IEnumerable<(int Previous, int Next)> Bigrams(IReadOnlyList<string> words)
    {
        foreach (var word in words)
        {
            int previous = MarkerId;
            foreach (int id in Vocabulary.Encode(word))
            {
                yield return (previous, id);
                previous = id;
            }
            yield return (previous, MarkerId);
        }
    }
}
