using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Serving;

/// <summary>
/// Text requests to a model whose file holds its <see cref="TextVectorizer"/>: texts become rows of
/// token ids (padded with 0 or truncated to the model's positions) for a classifier, and a character
/// model continues a text one sampled character at a time.
/// </summary>
internal static class TextInputs
{
    /// <summary>The ids of <paramref name="texts"/> as float rows of the model's length (count × positions), as the batcher takes them.</summary>
    public static float[] Vectorize(ServedModel model, IReadOnlyList<string> texts)
    {
        var vectorizer = model.TextVectorizer!;
        int length = model.InputSize;
        var values = new float[texts.Count * (long)length];
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = vectorizer.Ids(texts[i]);
            for (int j = 0; j < Math.Min(length, ids.Length); j++) values[i * length + j] = ids[j];
        }
        return values;
    }

    /// <summary>
    /// The continuation of <paramref name="text"/>: the model sees the text's ids (after the end marker
    /// '.' when its vocabulary holds one, as <c>deepsharp train names</c> trains) and draws the next
    /// character at the last position, until the marker comes, <paramref name="request"/>'s max length
    /// is reached or the positions are full. Padding and "[UNK]" are never drawn.
    /// </summary>
    public static string Continue(ServedModel model, string text, TextRequest request, CancellationToken cancellation)
    {
        var vectorizer = model.TextVectorizer!;
        int positions = model.InputShape[0], vocabulary = vectorizer.VocabularySize;
        int marker = MarkerId(vectorizer);
        var ids = new List<int>(positions);
        if (marker > 0) ids.Add(marker);
        ids.AddRange(vectorizer.Ids(text));
        if (ids.Count == 0) throw new BadRequestException(400, "the text is empty: this character model has no start marker, so it needs at least one character to continue");
        if (ids.Count >= positions)
            throw new BadRequestException(400, $"the text has {ids.Count - (marker > 0 ? 1 : 0)} characters; the model sees {positions} positions, so at most {positions - 1 - (marker > 0 ? 1 : 0)} characters leave room to continue it");
        int maxLength = Math.Min(request.MaxLength ?? positions, positions - ids.Count);
        var sampler = new TokenSampler(request.Temperature, request.TopK is { } k ? Math.Min(k, vocabulary) : null, generator: new RandomGenerator(request.Seed ?? Random.Shared.NextInt64()));
        var generated = new List<int>(maxLength);
        var row = new float[vocabulary];
        while (generated.Count < maxLength)
        {
            cancellation.ThrowIfCancellationRequested();
            var window = new int[positions]; // the tensor owns it
            ids.CopyTo(window);
            var scores = model.Model.Predict(Tensor.Wrap(window, 1, positions), batchSize: 1);
            scores.Span.Slice((ids.Count - 1) * vocabulary, vocabulary).CopyTo(row);
            row[0] = row[1] = float.NegativeInfinity; // padding and [UNK] are never drawn
            int id = sampler.Sample(row);
            if (id == marker) break;
            ids.Add(id);
            generated.Add(id);
        }
        return vectorizer.Decode(generated);
    }

    /// <summary>The id of the end marker '.' (<see cref="CharLanguageModelData.Marker"/>) in the vocabulary, or -1.</summary>
    private static int MarkerId(TextVectorizer vectorizer)
    {
        for (int i = 2; i < vectorizer.Vocabulary.Count; i++)
            if (vectorizer.Vocabulary[i] == CharLanguageModelData.Marker.ToString()) return i;
        return -1;
    }
}
