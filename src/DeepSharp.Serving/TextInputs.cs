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
        var values = new float[texts.Count * (long)length];
        for (int i = 0; i < texts.Count; i++) Vectorize(model.TextVectorizer!, texts[i], values.AsSpan(i * length, length));
        return values;
    }

    /// <summary>The ids of <paramref name="text"/> into <paramref name="row"/> (one input of that many positions: padded with 0 or truncated).</summary>
    public static void Vectorize(TextVectorizer vectorizer, string text, Span<float> row)
    {
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
