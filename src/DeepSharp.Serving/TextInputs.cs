using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Serving;

/// <summary>
/// Text requests to a model whose file holds its <see cref="TextVectorizer"/>: texts become rows of
/// token ids (padded with 0 or truncated to the model's positions) for a classifier, and a causal
/// model (characters, words or subwords) continues a text one sampled token at a time.
/// </summary>
internal static class TextInputs
{
    /// <summary>The ids of <paramref name="texts"/> as float rows of the model's length (count × positions), as the batcher takes them.</summary>
    public static float[] Vectorize(ServedModel model, IReadOnlyList<string> texts)
    {
        int length = model.InputSize;
        CheckRoom(texts.Count, length, "texts");
        var values = new float[texts.Count * (long)length];
        for (int i = 0; i < texts.Count; i++) Vectorize(model.TextVectorizer!, texts[i], values.AsSpan(i * length, length));
        return values;
    }

    /// <summary>
    /// The most values the texts (or images) of one request may become: 2²⁴ floats, 64 MB, 16 × the default
    /// body limit. A text of two bytes becomes a whole input of the model (up to 2²⁰ ids for a vectorizer
    /// file's longest sequence), so 256 empty texts to such a model allocated 1 GiB from a 1 KB body.
    /// </summary>
    public const long MaxRequestValues = 1 << 24;

    /// <summary>Refuses (413) a request whose <paramref name="count"/> samples of <paramref name="size"/> values each would pass <see cref="MaxRequestValues"/>.</summary>
    public static void CheckRoom(long count, long size, string what)
    {
        if (count * size > MaxRequestValues)
            throw new BadRequestException(413, $"{count} {what} of {size} values each make {count * size:N0} values; one request may make at most {MaxRequestValues:N0}: send at most {Math.Max(1, MaxRequestValues / Math.Max(1, size))} per request");
    }

    /// <summary>
    /// <paramref name="text"/> as the model's input in <paramref name="row"/>: for an "int" vectorizer its ids (one input of
    /// that many positions: padded with 0 or truncated); for "multi_hot", "count" and "tf_idf" its vector over the
    /// vocabulary, as <see cref="TextVectorizer.Vectorize"/> makes it (<see cref="ServedModel"/> checks its width).
    /// </summary>
    public static void Vectorize(TextVectorizer vectorizer, string text, Span<float> row)
    {
        if (vectorizer.OutputMode != "int")
        {
            var vector = vectorizer.Vectorize([text]).Span;
            if (vector.Length != row.Length) // a vectorizer changed after the server checked it
                throw new BadRequestException(500, $"the model's text vectorizer ({vectorizer.OutputMode}) makes vectors of {vector.Length} values, but the model takes {row.Length}");
            vector.CopyTo(row);
            return;
        }
        var ids = vectorizer.Ids(text);
        int n = Math.Min(row.Length, ids.Length);
        for (int j = 0; j < n; j++) row[j] = ids[j];
        row[n..].Clear();
    }

    /// <summary>
    /// The continuation of <paramref name="text"/> (<see cref="TextGenerator.Continue"/>): the model sees the
    /// text's ids (after the end marker '.' when a character vocabulary holds one, as <c>deepsharp train
    /// names</c> trains) and draws the next token at the last position, until the marker comes,
    /// <paramref name="request"/>'s max length is reached or the positions are full; the answer is the text
    /// those tokens add (for words, a space first). Padding and "[UNK]" are never drawn.
    /// </summary>
    public static string Continue(ServedModel model, string text, TextRequest request, CancellationToken cancellation)
    {
        var vectorizer = model.TextVectorizer!;
        var sampler = new TokenSampler(request.Temperature, request.TopK is { } k ? Math.Min(k, vectorizer.VocabularySize) : null, generator: new RandomGenerator(request.Seed ?? Random.Shared.NextInt64()));
        try
        {
            return TextGenerator.Continue(model.Model, vectorizer, text, sampler, request.MaxLength, cancellation);
        }
        catch (ArgumentException e)
        {
            string message = e.Message.Split(" (Parameter")[0];
            throw new BadRequestException(400, char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.'));
        }
    }
}
